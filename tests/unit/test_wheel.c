/* Unit tests of wheel.c's pure functions: file names, name normalisation; and of
 * wasm.c's dylink.0 reader the wheel uses (also on every truncation of a module). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/wheel.h"
#include "base/log.h"
#include "check.h"
#include "toolchain/wasm.h"

static void quiet(enum log_level lvl, const char *msg, void *ctx)
{
}

static void test_names(void)
{
	struct wheel_name n;
	CHECK(wheel_name_parse("dist/Jinja2-3.1.2-py3-none-any.whl", &n), "parse");
	CHECK(strcmp(n.dist, "Jinja2") == 0 && strcmp(n.version, "3.1.2") == 0 && !n.build &&
			strcmp(n.python, "py3") == 0 && strcmp(n.abi, "none") == 0 &&
			strcmp(n.platform, "any") == 0,
		"fields");
	wheel_name_free(&n);
	CHECK(wheel_name_parse("x-1.0-2b-cp311-abi3-emscripten_3_1_46_wasm32.whl", &n), "build tag");
	CHECK(n.build && strcmp(n.build, "2b") == 0 && strcmp(n.abi, "abi3") == 0, "build/abi");
	wheel_name_free(&n);
	static const char *const bad[] = {"x.whl", "x-1.0-py3-none.whl", "x-1.0-py3-none-any.zip",
		"x--py3-none-any.whl", "a-b-c-d-e-f-g.whl", "-1-py3-none-any.whl"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		bool ok = wheel_name_parse(bad[i], &n);
		CHECK(!ok, "'%s' accepted", bad[i]);
		if (ok)
			wheel_name_free(&n);
	}
	static const char *const ids[] = {"numpy", "_private", "A1_b", "caf\xc3\xa9"};
	for (size_t i = 0; i < ARRAY_LEN(ids); i++)
		CHECK(wheel_is_identifier(ids[i], strlen(ids[i])), "'%s' is an identifier", ids[i]);
	static const char *const not_ids[] = {"", "1abc", "a-b", "a.b", "a b"};
	for (size_t i = 0; i < ARRAY_LEN(not_ids); i++)
		CHECK(!wheel_is_identifier(not_ids[i], strlen(not_ids[i])), "'%s' accepted",
			not_ids[i]);
	CHECK(wheel_is_identifier("pkg/x", 3), "a prefix");
}

static void test_dylink(void)
{
	/* a module with only a dylink.0 section: mem info, then two needed libraries */
	static const unsigned char mod[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		0, 34, 8, 'd', 'y', 'l', 'i', 'n', 'k', '.', '0',
		1, 4, 0, 0, 0, 0,
		2, 17, 2, 7, 'l', 'i', 'b', 'a', '.', 's', 'o', 7, 'l', 'i', 'b', 'b', '.', 's', 'o',
	};
	struct strv sv = {0};
	CHECK(wasm_needed(mod, sizeof(mod), &sv), "module rejected");
	CHECK(sv.n == 2 && strcmp(sv.v[0], "liba.so") == 0 && strcmp(sv.v[1], "libb.so") == 0,
		"needed: %zu", sv.n);
	strv_free(&sv);
	for (size_t len = 0; len < sizeof(mod); len++) {
		bool ok = wasm_needed(mod, len, &sv);
		CHECK(!ok || len == 8 || sv.n <= 2, "truncation %zu", len);
		strv_free(&sv);
	}
	unsigned char bad[sizeof(mod)];
	memcpy(bad, mod, sizeof(mod));
	bad[28] = 200; /* a name longer than its subsection */
	CHECK(!wasm_needed(bad, sizeof(bad), &sv), "overlong name accepted");
	strv_free(&sv);
	CHECK(!wasm_needed((const unsigned char *)"\177ELF\2\1\1\0", 8, &sv), "ELF accepted");
}

/* a wheel made here, written, read back; then every damaged copy is refused or
 * read without harm */
static void test_roundtrip_and_damage(void)
{
	char dir[] = "/tmp/kiln-test-wheel.XXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	struct wheel *w = xcalloc(1, sizeof(*w));
	w->origin = xstrdup("memory");
	static const char meta[] = "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.0\n"
				   "Requires-Dist: six ; python_version < '3'\n\nLong text\n";
	static const char wheel[] = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n";
	wheel_put(w, "demo_pkg/__init__.py", "x = 1\n", 6, false);
	wheel_put(w, "demo_pkg/tests/test_a.py", "def test(): pass\n", 17, false);
	wheel_put(w, "demo_pkg-1.0.dist-info/METADATA", meta, sizeof(meta) - 1, false);
	wheel_put(w, "demo_pkg-1.0.dist-info/WHEEL", wheel, sizeof(wheel) - 1, false);
	w->dist_info = xstrdup("demo_pkg-1.0.dist-info");
	char *path = xasprintf("%s/demo_pkg-1.0-py3-none-any.whl", dir);
	CHECK(wheel_write(w, path), "write");
	wheel_free(w);

	struct wheel *r = wheel_check(path);
	CHECK(r, "written wheel does not verify");
	if (r) {
		char *fn = wheel_file_name(r);
		CHECK(strcmp(fn, "demo_pkg-1.0-py3-none-any.whl") == 0, "file name %s", fn);
		CHECK(strcmp(r->meta.name, "Demo.Pkg") == 0 && r->meta.requires_dist.n == 1 &&
				r->meta.top_level.n == 1 && strcmp(r->meta.top_level.v[0], "demo_pkg") == 0,
			"metadata");
		CHECK(strcmp(r->files[r->n - 1].name, "demo_pkg-1.0.dist-info/RECORD") == 0, "RECORD last");
		free(fn);
		wheel_free(r);
	}

	size_t len;
	char *data = read_file(path, &len);
	char *bad = xasprintf("%s/bad-1.0-py3-none-any.whl", dir);
	size_t accepted = 0, cut_accepted = 0;
	unsigned long long seed = 42;
	for (int k = 0; data && k < 300; k++) {
		size_t n = len;
		char *copy = xstrndup(data, len);
		memcpy(copy, data, len);
		if (k < 100) {
			n = len * (size_t)k / 100;
		} else {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			copy[(seed >> 33) % len] ^= (char)(1 + (seed >> 20) % 255);
		}
		CHECK(write_file_atomic(bad, copy, n), "write damaged copy");
		struct wheel *d = wheel_check(bad);
		accepted += d != NULL;
		cut_accepted += d && k < 100;
		wheel_free(d);
		free(copy);
	}
	/* a flipped byte may hit a field nothing checks (times, attributes, extra
	 * fields, the comment); a truncation never passes */
	CHECK(cut_accepted == 0, "%zu truncated copies accepted", cut_accepted);
	printf("%zu of 200 mutated copies accepted\n", accepted - cut_accepted);
	CHECK(accepted - cut_accepted < 150, "%zu of 200 mutated copies accepted",
		accepted - cut_accepted);
	free(data);
	unlink(bad);
	unlink(path);
	rmdir(dir);
	free(bad);
	free(path);
}

int main(void)
{
	log_set_sink(quiet, NULL);
	test_names();
	test_dylink();
	test_roundtrip_and_damage();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

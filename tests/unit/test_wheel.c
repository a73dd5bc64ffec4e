/* Unit tests of wheel.c's pure functions: file names, name normalisation,
 * the dylink.0 reader (also on every truncation of a module). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wheel.h"

static int failures;

#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
			printf(__VA_ARGS__);                                              \
			printf("\n");                                                     \
			failures++;                                                       \
		}                                                                         \
	} while (0)

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
	static const char *const norm[][2] = {{"Foo_Bar.baz", "foo-bar-baz"},
		{"ruamel.yaml", "ruamel-yaml"}, {"a--_.b", "a-b"}, {"Jinja2", "jinja2"}};
	for (size_t i = 0; i < ARRAY_LEN(norm); i++) {
		char *s = wheel_normalize_name(norm[i][0]);
		CHECK(strcmp(s, norm[i][1]) == 0, "%s -> %s", norm[i][0], s);
		free(s);
	}
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
	CHECK(wheel_wasm_needed(mod, sizeof(mod), &sv), "module rejected");
	CHECK(sv.n == 2 && strcmp(sv.v[0], "liba.so") == 0 && strcmp(sv.v[1], "libb.so") == 0,
		"needed: %zu", sv.n);
	strv_free(&sv);
	for (size_t len = 0; len < sizeof(mod); len++) {
		bool ok = wheel_wasm_needed(mod, len, &sv);
		CHECK(!ok || len == 8 || sv.n <= 2, "truncation %zu", len);
		strv_free(&sv);
	}
	unsigned char bad[sizeof(mod)];
	memcpy(bad, mod, sizeof(mod));
	bad[28] = 200; /* a name longer than its subsection */
	CHECK(!wheel_wasm_needed(bad, sizeof(bad), &sv), "overlong name accepted");
	strv_free(&sv);
	CHECK(!wheel_wasm_needed((const unsigned char *)"\177ELF\2\1\1\0", 8, &sv), "ELF accepted");
}

int main(void)
{
	log_set_sink(quiet, NULL);
	test_names();
	test_dylink();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

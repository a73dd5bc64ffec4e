/* pyodide-lock.json: exact round trip of the runtime's lock, edits, and
 * robustness against malformed input (truncations, byte mutations, a table of
 * broken files with the expected message). Usage: test_lock RUNTIME-LOCK */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "base/log.h"
#include "base/util.h"
#include "check.h"

static struct buf logged;

static void sink(enum log_level lvl, const char *msg, void *ctx)
{
	buf_puts(&logged, msg);
	buf_putc(&logged, '\n');
}

static const char info[] = "{\"info\": {\"arch\": \"wasm32\", \"platform\": \"emscripten_3_1_46\", "
			   "\"python\": \"3.11.3\", \"version\": \"0.25.1\"}, ";

static const struct {
	const char *text; /* appended to info unless it starts with '!' */
	const char *msg;
} bad[] = {
	{"!", "1:1: malformed JSON"},
	{"!{\"info\": {}, \n  \"packages\": {,}}", "bad.json:2:17: malformed JSON"},
	{"!{\"info\": 1} x", "1:13: text after the JSON value"},
	{"![]", "expected a JSON object at the top"},
	{"!{\"packages\": {}}", "info: missing"},
	{"!{\"info\": [], \"packages\": {}}", "info: expected an object"},
	{"!{\"info\": {\"python\": \"3.11.3\"}, \"packages\": {}}", "needs the strings 'python' and 'platform'"},
	{"\"packages\": []}", "packages: expected an object"},
	{"\"packages\": {\"a\": 1}}", "packages.a: expected an object"},
	{"\"packages\": {\"a\": {\"name\": \"a\"}}}", "packages.a: missing field 'version'"},
	{"\"packages\": {\"a\": {\"name\": \"a\", \"version\": 1, \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": [], \"depends\": []}}}", "packages.a.version: expected a string"},
	{"\"packages\": {\"a\": {\"name\": \"a\", \"version\": \"1\", \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": [], \"depends\": [\"b\", 2]}}}", "packages.a.depends[1]: expected a string"},
	{"\"packages\": {\"a\": {\"name\": \"a\", \"version\": \"1\", \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": \"a\", \"depends\": []}}}", "packages.a.imports: expected a list of strings"},
	{"\"packages\": {\"a\": {\"name\": \"a\", \"version\": \"1\", \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": [], \"depends\": [], \"shared_library\": 0}}}",
	 "packages.a.shared_library: expected true or false"},
	{"\"packages\": {\"A_b\": {\"name\": \"A_b\", \"version\": \"1\", \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": [], \"depends\": []}}}", "packages.A_b: the key is not the normalised name"},
	{"\"packages\": {\"a\": {\"name\": \"a\", \"version\": \"1\", \"file_name\": \"f\", \"install_dir\": \"site\", "
	 "\"sha256\": \"\", \"imports\": [], \"depends\": []}, \"a\": {\"name\": \"a\", \"version\": \"1\", "
	 "\"file_name\": \"f\", \"install_dir\": \"site\", \"sha256\": \"\", \"imports\": [], \"depends\": []}}}",
	 "packages.a appears twice"},
	{"\"packages\": {}, \"packages\": {}}", "'packages' appears twice"},
	{"\"packages\": {\"\xff\": 1}}", "1:118: invalid UTF-8"},
	{"\"packages\": {\"\xed\xa0\x80\": 1}}", "invalid UTF-8"},
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		const char *t = bad[i].text;
		char *text = t[0] == '!' ? xstrdup(t + 1) : xasprintf("%s%s", info, t);
		buf_free(&logged);
		struct lock *l = lock_parse(text, strlen(text), "bad.json");
		CHECK(!l, "case %zu accepted", i);
		CHECK(logged.s && strstr(logged.s, bad[i].msg), "case %zu: want '%s', got '%s'", i,
			bad[i].msg, logged.s ? logged.s : "");
		lock_free(l);
		free(text);
	}
	struct lock *l = lock_parse("{\"info\": 1}\0", 12, "nul.json");
	CHECK(!l, "NUL accepted");
	lock_free(l);
}

static void test_runtime(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	CHECK(text, "cannot read %s", path);
	if (!text)
		return;
	struct lock *l = lock_parse(text, len, path);
	CHECK(l, "runtime lock rejected: %s", logged.s ? logged.s : "");
	if (!l) {
		free(text);
		return;
	}
	char *out = lock_render(l);
	CHECK(strlen(out) == len && memcmp(out, text, len) == 0, "render differs from the runtime file");
	free(out);
	CHECK(lock_count(l) == 260, "count %zu", lock_count(l));
	char *pt = lock_platform_tag(l, false), *py = lock_python_tag(l);
	CHECK(strcmp(pt, "emscripten_3_1_46_wasm32") == 0 && strcmp(py, "cp311") == 0, "%s %s", pt, py);
	free(pt);
	free(py);

	struct lock_pkg p, q;
	CHECK(lock_get(l, "Jinja2", &p) && strcmp(p.name, "Jinja2") == 0 && p.depends.n == 1 &&
			strcmp(p.depends.v[0], "markupsafe") == 0 && !p.shared_library,
		"jinja2 entry");
	free(p.version);
	p.version = xstrdup("9.9.9");
	lock_set(l, &p);
	CHECK(lock_count(l) == 260, "replace added an entry");
	CHECK(lock_get(l, "jinja2", &q) && strcmp(q.version, "9.9.9") == 0, "replaced");
	struct lock_pkg t;
	lock_pkg_tests(&t, &q, "Jinja2-tests.tar", "00");
	CHECK(strcmp(t.name, "Jinja2-tests") == 0 && t.depends.n == 1 &&
			strcmp(t.depends.v[0], "jinja2") == 0 && t.imports.n == 0,
		"tests entry");
	lock_set(l, &t);
	CHECK(lock_has(l, "jinja2-tests") && lock_count(l) == 261, "tests entry added");
	CHECK(lock_remove(l, "Jinja2-Tests") && !lock_remove(l, "jinja2-tests"), "remove");
	lock_pkg_free(&p);
	lock_pkg_free(&q);
	lock_pkg_free(&t);
	lock_free(l);

	/* every truncation is malformed; mutations never crash and, when accepted,
	 * render to something that parses and renders the same again */
	size_t rejected = 0;
	for (size_t k = 0; k < 400; k++) {
		size_t cut = len * k / 400;
		buf_free(&logged);
		struct lock *m = lock_parse(text, cut, "cut.json");
		rejected += m == NULL;
		lock_free(m);
	}
	CHECK(rejected == 400, "%zu of 400 truncations rejected", rejected);
	unsigned long long seed = 0x6b696c6e;
	for (int k = 0; k < 600; k++) {
		char *mut = xstrndup(text, len);
		for (int j = 0; j < 1 + k % 3; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			mut[(seed >> 33) % len] = (char)(seed >> 17);
		}
		buf_free(&logged);
		struct lock *m = lock_parse(mut, len, "mutated.json");
		if (m) {
			char *r1 = lock_render(m);
			struct lock *m2 = lock_parse(r1, strlen(r1), "rendered.json");
			CHECK(m2, "render of an accepted mutation does not parse: %s", logged.s);
			if (m2) {
				char *r2 = lock_render(m2);
				CHECK(strcmp(r1, r2) == 0, "render not idempotent");
				free(r2);
			}
			lock_free(m2);
			free(r1);
		}
		lock_free(m);
		free(mut);
	}
	free(text);
}

/* the entries of a build: made by lock_pkg_init/lock_pkg_tests, rendered as entry.json
 * (cJSON's layout, as kiln has always written it) and read back */
static void test_entries(void)
{
	struct lock_pkgs l = {0}, back = {0};
	struct lock_pkg p, t, shlib;
	lock_pkg_init(&p, LOCK_CPYTHON_MODULE, "Demo_Pkg", "1.0", "demo-1.0.whl", "aa");
	strv_add(&p.imports, "demo");
	strv_add(&p.depends, "six");
	lock_pkg_tests(&t, &p, "demo-tests.tar", "bb");
	CHECK(p.unvendored_tests && strcmp(t.name, "Demo_Pkg-tests") == 0 &&
			strcmp(t.depends.v[0], "demo-pkg") == 0, "tests entry");
	lock_pkg_init(&shlib, LOCK_SHARED_LIBRARY, "libdemo", "2", "libdemo-2.zip", "cc");
	CHECK(shlib.shared_library && strcmp(shlib.install_dir, "dynlib") == 0 &&
			strcmp(shlib.package_type, "shared_library") == 0, "shared library entry");
	lock_pkgs_add(&l, &p);
	lock_pkgs_add(&l, &t);
	lock_pkgs_add(&l, &shlib);
	CHECK(l.n == 3 && !p.name, "added entries are taken over");
	char *text = lock_pkgs_render(&l, "Demo_Pkg", "1.0", "cpython_module");
	const char *want =
		"{\n\t\"name\":\t\"Demo_Pkg\",\n\t\"version\":\t\"1.0\",\n"
		"\t\"type\":\t\"cpython_module\",\n\t\"packages\":\t[{\n"
		"\t\t\t\"name\":\t\"Demo_Pkg\",\n\t\t\t\"version\":\t\"1.0\",\n"
		"\t\t\t\"file_name\":\t\"demo-1.0.whl\",\n\t\t\t\"install_dir\":\t\"site\",\n"
		"\t\t\t\"sha256\":\t\"aa\",\n\t\t\t\"package_type\":\t\"cpython_module\",\n"
		"\t\t\t\"imports\":\t[\"demo\"],\n\t\t\t\"depends\":\t[\"six\"],\n"
		"\t\t\t\"unvendored_tests\":\ttrue,\n\t\t\t\"shared_library\":\tfalse\n"
		"\t\t}, {\n";
	CHECK(strncmp(text, want, strlen(want)) == 0, "entry.json layout:\n%s", text);
	CHECK(lock_pkgs_parse(text, &back) && back.n == 3, "entry.json does not parse back");
	for (size_t i = 0; i < back.n && i < l.n; i++) {
		const struct lock_pkg *a = &l.v[i], *b = &back.v[i];
		CHECK(strcmp(a->name, b->name) == 0 && strcmp(a->file_name, b->file_name) == 0 &&
				strcmp(a->install_dir, b->install_dir) == 0 &&
				strcmp(a->package_type, b->package_type) == 0 &&
				a->imports.n == b->imports.n && a->depends.n == b->depends.n &&
				a->unvendored_tests == b->unvendored_tests &&
				a->shared_library == b->shared_library, "entry %zu differs", i);
	}
	char *again = lock_pkgs_render(&back, "Demo_Pkg", "1.0", "cpython_module");
	CHECK(strcmp(text, again) == 0, "render of the parsed entries differs");
	free(again);
	lock_pkgs_free(&back);
	CHECK(!lock_pkgs_parse("{\"packages\": [{\"name\": \"x\"}]}", &back) && !back.n,
		"an entry without its fields was accepted");
	CHECK(!lock_pkgs_parse("[]", &back), "not an entry record");
	free(text);
	lock_pkgs_free(&l);
}

int main(int argc, char **argv)
{
	log_set_sink(sink, NULL);
	test_bad();
	test_entries();
	if (argc > 1)
		test_runtime(argv[1]);
	buf_free(&logged);
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

/* Unit tests of the located YAML tree and the recipe model. Run from the
 * source root's tests/recipes directory (argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/log.h"
#include "recipe/diag.h"
#include "recipe/graph.h"
#include "recipe/recipe.h"
#include "recipe/ydoc.h"

static int failures, checks;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		checks++;                                                             \
		if (!(cond)) {                                                        \
			failures++;                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)
#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		checks++;                                                                 \
		const char *a_ = (a), *b_ = (b);                                          \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                       \
			failures++;                                                       \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__,      \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
		}                                                                         \
	} while (0)
#define CHECK_POS(p, l, c) CHECK((p).line == (l) && (p).col == (c))

/* plain scalars resolved as PyYAML's CSafeLoader resolves them (table made
 * with PyYAML: yaml.load("k: " + text, Loader=yaml.CSafeLoader)) */
static const struct {
	const char *text;
	enum yscalar type;
} scalars[] = {
	{"", YSCALAR_NULL},
	{"~", YSCALAR_NULL},
	{"null", YSCALAR_NULL},
	{"Null", YSCALAR_NULL},
	{"NULL", YSCALAR_NULL},
	{"nULL", YSCALAR_STR},
	{"yes", YSCALAR_BOOL},
	{"Yes", YSCALAR_BOOL},
	{"YES", YSCALAR_BOOL},
	{"yEs", YSCALAR_STR},
	{"no", YSCALAR_BOOL},
	{"No", YSCALAR_BOOL},
	{"NO", YSCALAR_BOOL},
	{"true", YSCALAR_BOOL},
	{"True", YSCALAR_BOOL},
	{"TRUE", YSCALAR_BOOL},
	{"tRUE", YSCALAR_STR},
	{"false", YSCALAR_BOOL},
	{"False", YSCALAR_BOOL},
	{"FALSE", YSCALAR_BOOL},
	{"on", YSCALAR_BOOL},
	{"On", YSCALAR_BOOL},
	{"ON", YSCALAR_BOOL},
	{"off", YSCALAR_BOOL},
	{"Off", YSCALAR_BOOL},
	{"OFF", YSCALAR_BOOL},
	{"y", YSCALAR_STR},
	{"n", YSCALAR_STR},
	{"Y", YSCALAR_STR},
	{"N", YSCALAR_STR},
	{"0", YSCALAR_INT},
	{"1", YSCALAR_INT},
	{"-1", YSCALAR_INT},
	{"+7", YSCALAR_INT},
	{"007", YSCALAR_INT},
	{"08", YSCALAR_STR},
	{"0o17", YSCALAR_STR},
	{"0x1F", YSCALAR_INT},
	{"0xg", YSCALAR_STR},
	{"0b101", YSCALAR_INT},
	{"0b102", YSCALAR_STR},
	{"1_000", YSCALAR_INT},
	{"1:30", YSCALAR_INT},
	{"190:20:30", YSCALAR_INT},
	{"1:60", YSCALAR_STR},
	{"1.0", YSCALAR_FLOAT},
	{"1.10", YSCALAR_FLOAT},
	{"1.", YSCALAR_FLOAT},
	{".5", YSCALAR_FLOAT},
	{"-.5", YSCALAR_STR},
	{"+1.5e+3", YSCALAR_FLOAT},
	{"1e3", YSCALAR_STR},
	{"1.5e3", YSCALAR_STR},
	{"1.2.3", YSCALAR_STR},
	{"2026.2.25", YSCALAR_STR},
	{"6.6.0", YSCALAR_STR},
	{".inf", YSCALAR_FLOAT},
	{"-.Inf", YSCALAR_FLOAT},
	{"+.INF", YSCALAR_FLOAT},
	{".nan", YSCALAR_FLOAT},
	{".NaN", YSCALAR_FLOAT},
	{".NAN", YSCALAR_FLOAT},
	{"1:30.5", YSCALAR_FLOAT},
	{"1_0.5", YSCALAR_FLOAT},
	{"2001-12-14", YSCALAR_TIMESTAMP},
	{"2001-12-14t21:59:43.10-05:00", YSCALAR_TIMESTAMP},
	{"2001-12-14 21:59:43.10 -5", YSCALAR_TIMESTAMP},
	{"2002-12-14", YSCALAR_TIMESTAMP},
	{"2001-1-1", YSCALAR_STR},
	{"1.0.0", YSCALAR_STR},
	{"v1.0", YSCALAR_STR},
	{"numpy", YSCALAR_STR},
	{"-Wno-return-type", YSCALAR_STR},
	{"0.25.1", YSCALAR_STR},
	{"3.51.3.0", YSCALAR_STR},
	{"47", YSCALAR_INT},
	{"1e", YSCALAR_STR},
	{"._", YSCALAR_STR},
	{".", YSCALAR_STR},
	{"+", YSCALAR_STR},
	{"0x", YSCALAR_STR},
	{"0b", YSCALAR_STR},
	{"-0", YSCALAR_INT},
	{"1__2", YSCALAR_INT},
	{"12:34:56.7e+2", YSCALAR_STR},
	{"1.0e-10", YSCALAR_FLOAT},
};

static void test_scalars(void)
{
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		char doc[128];
		snprintf(doc, sizeof(doc), "k: %s\n", scalars[i].text);
		struct arena a = {0};
		struct diags d = {0};
		struct ynode *root;
		CHECK(ydoc_parse(&a, "t.yaml", doc, strlen(doc), &d, &root));
		struct ynode *v = ynode_get(root, "k");
		CHECK(v && v->kind == YNODE_SCALAR);
		if (v && v->type != scalars[i].type) {
			failures++;
			fprintf(stderr, "scalar '%s': type %d, PyYAML says %d\n", scalars[i].text,
				(int)v->type, (int)scalars[i].type);
		}
		checks++;
		arena_free(&a);
		diags_free(&d);
	}
	/* quoted scalars are always strings */
	struct arena a = {0};
	struct diags d = {0};
	struct ynode *root;
	const char *doc = "a: 'true'\nb: \"1.0\"\nc: !!str 1.5\nd: |\n  yes\n";
	CHECK(ydoc_parse(&a, "t.yaml", doc, strlen(doc), &d, &root));
	CHECK(ynode_get(root, "a")->type == YSCALAR_STR);
	CHECK(ynode_get(root, "b")->type == YSCALAR_STR);
	CHECK(ynode_get(root, "c")->type == YSCALAR_STR);
	CHECK(ynode_get(root, "d")->type == YSCALAR_STR);
	CHECK(d.n == 0);
	arena_free(&a);
	diags_free(&d);
}

static struct recipe *load(const char *path, struct diags *d)
{
	struct recipe *r = recipe_load(path, d);
	CHECK(r != NULL);
	if (!r) {
		char *s = diags_render(d);
		fputs(s, stderr);
		free(s);
		exit(1);
	}
	return r;
}

static void test_full(void)
{
	struct diags d = {0};
	struct recipe *r = load("good/full/meta.yaml", &d);
	CHECK(r->ok && d.n == 0);
	CHECK_STR(r->package.name.s, "full");
	CHECK_POS(r->package.name.pos, 3, 9);
	CHECK_STR(r->norm_name, "full");
	CHECK_STR(r->package.version.s, "2.1.0");
	CHECK(r->package.top_level.n == 2);
	CHECK_STR(r->package.top_level.v[1].s, "full_ext");
	CHECK_POS(r->package.top_level.v[1].pos, 7, 7);
	CHECK(r->package.tag.n == 2);
	CHECK_STR(r->package.tag.v[1].s, "min-scipy-stack");
	CHECK(r->package.disabled.set && !r->package.disabled.v);
	CHECK(r->package.pinned.set && r->package.pinned.v);
	CHECK_STR(r->source.url.s,
		"https://files.pythonhosted.org/packages/source/f/full/full-2.1.0.tar.gz");
	CHECK_POS(r->source.url.pos, 14, 8);
	CHECK_STR(r->source.sha256.s,
		"5d1e5c6f4bbad1b5b5fd1e0a5f1d2c3b4a5968776655443322110ffeeddccbba");
	CHECK_STR(r->source.extract_dir.s, "full-2.1.0-src");
	CHECK(!r->source.path.set && r->source.path.s == NULL);
	CHECK(r->source.patches.n == 1);
	CHECK_STR(r->source.patches.v[0].s, "patches/0001-fix-build.patch");
	CHECK(r->source.n_extras == 2);
	CHECK_STR(r->source.extras[0].src.s, "extras/site.cfg");
	CHECK_STR(r->source.extras[0].dst.s, "site.cfg");
	CHECK_STR(r->source.extras[1].src.s, "extras/README.pyodide");
	CHECK_STR(r->source.extras[1].dst.s, "docs/README.pyodide");
	CHECK_POS(r->source.extras[1].dst.pos, 22, 9);
	CHECK(!recipe_is_wheel(r));
	CHECK(r->build.type == RECIPE_PACKAGE && r->build.type_str.set);
	CHECK_STR(r->build.script.s, "export FULL_NO_OPENMP=1\n");
	CHECK_STR(r->build.cross_script.s, "echo cross");
	CHECK_STR(r->build.post.s, "rm -rf full/tests/data\n");
	CHECK_STR(r->build.cflags.s, "-O2 -fno-exceptions");
	CHECK_STR(r->build.cxxflags.s, "-std=c++17\n");
	CHECK_STR(r->build.ldflags.s, "-lz");
	CHECK_STR(r->build.backend_flags.s, "setup-args=-Dblas=none compile-args=-j4");
	CHECK(r->build.exports == RECIPE_EXPORTS_REQUESTED);
	CHECK(r->build.unvendor_tests.set && !r->build.unvendor_tests.v);
	CHECK(r->build.retain_test_patterns.n == 1);
	CHECK_STR(r->build.retain_test_patterns.v[0].s, "*_conftest.py");
	CHECK(r->build.vendor_sharedlib.set && !r->build.vendor_sharedlib.v);
	CHECK(r->build.cross_build_env.set && r->build.cross_build_env.v);
	CHECK(r->build.cross_build_files.n == 1);
	CHECK_STR(r->requirements.run.v[0].s, "lib-full");
	CHECK_STR(r->requirements.run.v[1].s, "full-data");
	CHECK_STR(r->requirements.host.v[1].s, "libz-static");
	CHECK_STR(r->requirements.executable.v[0].s, "cmake");
	CHECK_STR(r->requirements.constraint.v[0].s, "cython < 3.1");
	CHECK(r->test.imports.n == 2);
	CHECK_STR(r->test.imports.v[1].s, "full.ext");
	CHECK_STR(r->test.script.s, "import full\nassert full.answer() == 42\n");
	CHECK_STR(r->about.home.s, "https://full.example.org");
	CHECK_STR(r->about.pypi.s, "https://pypi.org/project/full");
	CHECK_STR(r->about.summary.s, "A recipe that sets every key");
	CHECK_STR(r->about.license.s, "MIT");
	CHECK(r->extra.recipe_maintainers.n == 1);
	CHECK_STR(r->extra.recipe_maintainers.v[0].s, "someone");
	recipe_free(r);
	diags_free(&d);
}

static void test_defaults(void)
{
	struct diags d = {0};
	struct recipe *r = load("good/minimal/meta.yaml", &d);
	CHECK(r->ok && d.n == 0);
	CHECK_STR(r->package.version.s, "0.1.0");
	CHECK(r->package.top_level.n == 0 && !r->package.top_level.set);
	CHECK(r->package.tag.n == 0);
	CHECK(!r->package.disabled.v && !r->package.disabled.set);
	CHECK(!r->package.pinned.v);
	CHECK(r->source.url.s == NULL && r->source.sha256.s == NULL);
	CHECK_STR(r->source.path.s, "src");
	CHECK(r->source.extract_dir.s == NULL);
	CHECK(r->source.patches.n == 0 && r->source.n_extras == 0);
	CHECK(r->build.type == RECIPE_PACKAGE && !r->build.type_str.set);
	CHECK(r->build.script.s == NULL && r->build.cross_script.s == NULL);
	CHECK(r->build.post.s == NULL);
	CHECK_STR(r->build.cflags.s, "");
	CHECK_STR(r->build.cxxflags.s, "");
	CHECK_STR(r->build.ldflags.s, "");
	CHECK_STR(r->build.backend_flags.s, "");
	CHECK(r->build.exports == RECIPE_EXPORTS_PYINIT);
	CHECK(r->build.unvendor_tests.v && !r->build.unvendor_tests.set);
	CHECK(r->build.vendor_sharedlib.v);
	CHECK(!r->build.cross_build_env.v);
	CHECK(r->build.retain_test_patterns.n == 0 && r->build.cross_build_files.n == 0);
	CHECK(r->requirements.run.n == 0 && r->requirements.host.n == 0);
	CHECK(r->requirements.executable.n == 0 && r->requirements.constraint.n == 0);
	CHECK(r->test.imports.n == 0 && r->test.script.s == NULL);
	CHECK(r->about.home.s == NULL && r->about.pypi.s == NULL);
	CHECK(r->about.summary.s == NULL && r->about.license.s == NULL);
	CHECK(r->extra.recipe_maintainers.n == 0);
	recipe_free(r);
	diags_free(&d);
}

static void test_yaml_forms(void)
{
	struct diags d = {0};
	struct recipe *r = load("good/full-data/meta.yaml", &d);
	CHECK(r->ok && d.n == 0);
	CHECK_STR(r->package.version.s, "3");
	CHECK(r->package.pinned.v && r->package.disabled.set && !r->package.disabled.v);
	CHECK(recipe_is_wheel(r));
	CHECK(r->build.exports == RECIPE_EXPORTS_LIST && r->build.exports_list.n == 2);
	CHECK_STR(r->build.exports_list.v[1].s, "full_data_init");
	CHECK(r->build.unvendor_tests.set && !r->build.unvendor_tests.v);
	CHECK(!r->build.vendor_sharedlib.v && r->build.cross_build_env.v);
	CHECK(r->about.home.s == NULL && !r->about.home.set && r->about.home.pos.line == 4);
	CHECK(r->about.license.s == NULL);
	CHECK_STR(r->about.summary.s, "quoted: with colon");
	recipe_free(r);

	r = load("good/float-version/meta.yaml", &d);
	CHECK(r->ok);
	CHECK_STR(r->package.version.s, "1.10"); /* the text, not PyYAML's float 1.1 */
	CHECK(r->package.tag.set && r->package.tag.n == 0);
	CHECK_STR(r->about.summary.s, "folded text\n");
	/* ok, with a warning that pyodide-build reads 1.1 */
	CHECK(d.n == 1 && d.errors == 0 && d.warnings == 1 && d.v[0].line == 3);
	recipe_free(r);
	diags_free(&d);

	r = load("good/lib-full/meta.yaml", &d);
	CHECK(r->ok && r->build.type == RECIPE_SHARED_LIBRARY);
	CHECK(r->build.exports == RECIPE_EXPORTS_WHOLE_ARCHIVE);
	CHECK_STR(recipe_type_name(r->build.type), "shared_library");
	recipe_free(r);
	CHECK(d.n == 0);
	diags_free(&d);
}

struct var {
	const char *name, *value;
};

static const char *lookup(const char *name, void *ctx)
{
	for (const struct var *v = ctx; v->name; v++)
		if (!strcmp(v->name, name))
			return v->value;
	return NULL;
}

static void test_substitute(void)
{
	static struct var good[] = {
		{"PYTHON_ARCHIVE_URL", "https://www.python.org/ftp/python/3.11.3/Python-3.11.3.tgz"},
		{"PYTHON_ARCHIVE_SHA256", "1a79f3df32265d9e6625f1a0b31c28eb1594df911403d11f3320ee1da1b3e048"},
		{"LIBFOO_CFLAGS", "-I/opt/foo/include"},
		{NULL, NULL},
	};
	struct diags d = {0};
	struct recipe *r = load("good/cpython-var/meta.yaml", &d);
	CHECK(r->ok && d.n == 0);
	CHECK(recipe_has_var(r->source.url.s) && recipe_has_var(r->source.sha256.s));
	CHECK(recipe_substitute(r, lookup, (void *)good, &d));
	CHECK_STR(r->source.url.s, good[0].value);
	CHECK_STR(r->source.sha256.s, good[1].value);
	CHECK(d.n == 0 && r->ok);
	recipe_free(r);

	r = load("good/anchors/meta.yaml", &d);
	CHECK(r->ok);
	CHECK_STR(r->package.name.s, "anchors");
	CHECK_STR(r->package.version.s, "1.0");
	CHECK(recipe_substitute(r, lookup, (void *)good, &d));
	CHECK_STR(r->build.cflags.s, "-I/opt/foo/include -O2");
	/* shell command substitution is not a kiln variable */
	CHECK_STR(r->build.ldflags.s, "$(pkg-config --libs foo)");
	recipe_free(r);
	CHECK(d.n == 0);

	/* values that are invalid once substituted are reported, located */
	static struct var bad[] = {
		{"PYTHON_ARCHIVE_URL", "git://example.org/cpython.git"},
		{"PYTHON_ARCHIVE_SHA256", "not-a-hash"},
		{NULL, NULL},
	};
	r = load("good/cpython-var/meta.yaml", &d);
	CHECK(!recipe_substitute(r, lookup, (void *)bad, &d));
	CHECK(!r->ok);
	CHECK(d.errors == 2);
	diags_sort(&d);
	char *s = diags_render(&d);
	CHECK_STR(s, "good/cpython-var/meta.yaml:7:11: error: source.sha256: expected 64 "
		     "hexadecimal digits, got 10 characters\n"
		     "  hint: the SHA-256 of the source archive, as printed by sha256sum\n"
		     "good/cpython-var/meta.yaml:8:8: error: source.url: unsupported URL scheme 'git'\n"
		     "  hint: use an http, https, ftp or file URL\n");
	free(s);
	recipe_free(r);
	diags_free(&d);

	/* an undefined variable */
	static struct var none[] = {{NULL, NULL}};
	r = load("good/cpython-var/meta.yaml", &d);
	CHECK(!recipe_substitute(r, lookup, (void *)none, &d));
	CHECK(d.errors == 2);
	CHECK_STR(d.v[0].msg, "undefined variable $(PYTHON_ARCHIVE_URL)");
	CHECK_STR(d.v[0].field, "source.url");
	recipe_free(r);
	diags_free(&d);

	/* a url that turns out to be a wheel brings in the wheel rules */
	static struct var wheel[] = {
		{"PYTHON_ARCHIVE_URL", "https://example.org/mod-1.0-py3-none-any.whl"},
		{"PYTHON_ARCHIVE_SHA256", "1a79f3df32265d9e6625f1a0b31c28eb1594df911403d11f3320ee1da1b3e048"},
		{NULL, NULL},
	};
	r = load("good/cpython-var/meta.yaml", &d);
	CHECK(!recipe_substitute(r, lookup, (void *)wheel, &d));
	CHECK(d.errors == 1); /* build.script is not allowed for a wheel */
	CHECK(d.n == 1 && !strcmp(d.v[0].field, "build.script") && d.v[0].line == 11);
	recipe_free(r);
	diags_free(&d);
}

static char *write_temp(const char *dir, const void *data, size_t len)
{
	char *sub = path_join(dir, "t");
	mkdir_p(sub, 0755);
	char *file = path_join(sub, "meta.yaml");
	FILE *f = fopen(file, "wb");
	CHECK(f && fwrite(data, 1, len, f) == len);
	if (f)
		fclose(f);
	free(sub);
	return file;
}

static void test_limits(const char *tmp)
{
	struct diags d = {0};
	/* a file over the size limit is refused before it is read */
	size_t big = YDOC_MAX_SIZE + 10;
	char *data = malloc(big);
	memset(data, 'a', big);
	memcpy(data, "package:\n  name: ", 17);
	char *file = write_temp(tmp, data, big);
	CHECK(recipe_load(file, &d) == NULL);
	CHECK(d.errors == 1 && strstr(d.v[0].msg, "larger than 1 MiB"));
	diags_free(&d);
	free(file);

	/* a huge scalar under the limit is fine */
	size_t n = YDOC_MAX_SIZE - 200;
	size_t len = (size_t)snprintf(data, big, "package:\n  name: t\n  version: 1\nsource:\n  path: src\nabout:\n  summary: ");
	memset(data + len, 'x', n);
	data[len + n] = '\n';
	file = write_temp(tmp, data, len + n + 1);
	struct recipe *r = recipe_load(file, &d);
	CHECK(r && r->ok && strlen(r->about.summary.s) == n);
	recipe_free(r);
	free(file);
	diags_free(&d);

	/* deep nesting stops at the limit, located */
	len = (size_t)snprintf(data, big, "extra:\n  x: ");
	memset(data + len, '[', 100000);
	file = write_temp(tmp, data, len + 100000);
	CHECK(recipe_load(file, &d) == NULL);
	CHECK(d.errors == 1 && d.v[0].line == 2 && strstr(d.v[0].msg, "nesting"));
	free(file);
	diags_free(&d);

	/* random garbage and random mutations of real recipes: never crash */
	srand(12345);
	static const char *const seeds[] = {"upstream/numpy/meta.yaml", "upstream/Pillow/meta.yaml",
		"good/full/meta.yaml", "upstream-pyodide/Pillow/meta.yaml"};
	for (int i = 0; i < 3000; i++) {
		size_t slen;
		char *seed = read_file(seeds[i % 4], &slen);
		CHECK(seed != NULL);
		if (i % 10 == 0) {
			for (size_t k = 0; k < slen; k++)
				seed[k] = (char)(rand() & 0xff);
		} else {
			int edits = 1 + rand() % 8;
			for (int e = 0; e < edits && slen; e++) {
				size_t at = (size_t)rand() % slen;
				switch (rand() % 4) {
				case 0:
					seed[at] = "[]{}:-&*!|>'\"\n\t #%@`,?"[rand() % 23];
					break;
				case 1:
					slen = at;
					break;
				case 2:
					seed[at] = (char)(rand() & 0xff);
					break;
				default:
					seed[at] = ' ';
				}
			}
		}
		char *f = write_temp(tmp, seed, slen);
		struct recipe *m = recipe_load(f, &d);
		if (m) {
			static struct var v[] = {{"PYTHON_ARCHIVE_URL", "https://x/y.tgz"}, {NULL, NULL}};
			recipe_substitute(m, lookup, v, &d);
		}
		if (m && i % 5 == 0) {
			/* and the graph code on whatever came out */
			struct graph g;
			graph_init(&g);
			graph_add(&g, m);
			graph_resolve(&g, &d);
			bool sel[2] = {false, false};
			size_t order[2], norder;
			const char *q[] = {"*", "tag:always", "!x"};
			graph_select(&g, q, 3, sel);
			graph_order(&g, sel, order, &norder);
			free(graph_dot(&g, sel));
			graph_free(&g);
			m = NULL;
		}
		recipe_free(m);
		diags_free(&d);
		free(f);
		free(seed);
	}
	free(data);
}

static void test_normalize(void)
{
	char *s = recipe_normalize("Foo__Bar.baz-_-Qux");
	CHECK_STR(s, "foo-bar-baz-qux");
	free(s);
	s = recipe_normalize("RobotRaconteur");
	CHECK_STR(s, "robotraconteur");
	free(s);
	/* ASCII only, whatever the locale; bytes >= 0x80 are kept */
	static const char *const norm[][2] = {{"Foo_Bar.baz", "foo-bar-baz"},
		{"ruamel.yaml", "ruamel-yaml"}, {"a--_.b", "a-b"}, {"Jinja2", "jinja2"},
		{"_x", "-x"}, {"\xc3\x84" "b", "\xc3\x84" "b"}};
	for (size_t i = 0; i < ARRAY_LEN(norm); i++) {
		s = recipe_normalize(norm[i][0]);
		CHECK_STR(s, norm[i][1]);
		free(s);
	}
}

static void quiet(enum log_level lvl, const char *msg, void *ctx)
{
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0) {
		fprintf(stderr, "usage: test_recipe TESTS/RECIPES-DIR\n");
		return 2;
	}
	log_set_sink(quiet, NULL); /* the fuzzed selections are expected to fail */
	char tmpl[] = "/tmp/kiln-test-recipe-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (!tmp)
		return 2;
	test_scalars();
	test_full();
	test_defaults();
	test_yaml_forms();
	test_substitute();
	test_normalize();
	test_limits(tmp);
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	free(cmd);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

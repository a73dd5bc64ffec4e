/* Unit tests of the graph API the builder uses: load, resolve, select,
 * order, dependents, host closure. Run in tests/recipes/graph (argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recipe/graph.h"

static int failures, checks;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		checks++;                                                             \
		if (!(cond)) {                                                        \
			failures++;                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

static long idx(const struct graph *g, const char *name)
{
	long i = graph_find(g, name);
	CHECK(i >= 0);
	return i;
}

/* the names marked in v, comma separated, in node order */
static char *names(const struct graph *g, const bool *v)
{
	struct buf b = {0};
	for (size_t i = 0; i < g->n; i++)
		if (v[i])
			buf_printf(&b, "%s%s", b.len ? "," : "", g->nodes[i].r->package.name.s);
	return buf_take(&b);
}

static void check_names(const struct graph *g, const bool *v, const char *want)
{
	char *got = names(g, v);
	checks++;
	if (strcmp(got, want)) {
		failures++;
		fprintf(stderr, "got '%s', want '%s'\n", got, want);
	}
	free(got);
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 2;
	struct graph g;
	struct diags d = {0};
	size_t count = 0;
	graph_init(&g);
	CHECK(graph_load_dir(&g, "set", &d, &count));
	CHECK(count == 15 && g.n == 15);
	CHECK(graph_load_runtime_lock(&g, "lock.json"));
	CHECK(g.lock.n == 2);
	graph_resolve(&g, &d);
	CHECK(d.errors == 0 && d.warnings == 1);
	CHECK(graph_find(&g, "PYTHON_DATEUTIL") == idx(&g, "python-dateutil"));
	CHECK(graph_find(&g, "nope") == -1);

	bool *v = calloc(g.n, 1);
	size_t *order = calloc(g.n, sizeof(*order)), n = 0;

	/* dependents: everything that needs numpy, transitively */
	graph_dependents(&g, (size_t)idx(&g, "numpy"), v);
	check_names(&g, v, "h5py,h5py-ext,pandas,scipy");
	graph_dependents(&g, (size_t)idx(&g, "six"), v);
	check_names(&g, v, "pandas,python-dateutil");

	/* host closure: what must be built and installed before a recipe */
	graph_host_closure(&g, (size_t)idx(&g, "scipy"), v);
	check_names(&g, v, "libopenblas,numpy");
	graph_host_closure(&g, (size_t)idx(&g, "pandas"), v);
	check_names(&g, v, "numpy");
	graph_host_closure(&g, (size_t)idx(&g, "six"), v);
	check_names(&g, v, "");

	/* disabled propagation */
	CHECK(g.nodes[idx(&g, "h5py")].disabled && g.nodes[idx(&g, "h5py-ext")].disabled);
	CHECK(!g.nodes[idx(&g, "numpy")].disabled);

	/* selection and order: host dependencies come first */
	const char *q[] = {"scipy", "pandas"};
	CHECK(graph_select(&g, q, 2, v));
	check_names(&g, v, "libopenblas,libopenssl,numpy,pandas,python-dateutil,scipy,six,sqlite3,ssl");
	CHECK(graph_order(&g, v, order, &n));
	CHECK(n == 9);
	size_t pos[64] = {0};
	for (size_t i = 0; i < n; i++)
		pos[order[i]] = i;
	CHECK(pos[idx(&g, "numpy")] < pos[idx(&g, "scipy")]);
	CHECK(pos[idx(&g, "libopenblas")] < pos[idx(&g, "scipy")]);
	CHECK(pos[idx(&g, "libopenssl")] < pos[idx(&g, "ssl")]);

	const char *bad[] = {"scpiy"};
	CHECK(!graph_select(&g, bad, 1, v));

	char *dot = graph_dot(&g, v);
	CHECK(strstr(dot, "digraph") != NULL);
	free(dot);

	free(v);
	free(order);
	diags_free(&d);
	graph_free(&g);

	/* a cycle: resolve reports it, order refuses it */
	graph_init(&g);
	CHECK(graph_load_dir(&g, "cycle", &d, &count));
	graph_resolve(&g, &d);
	CHECK(d.errors == 2);
	v = calloc(g.n, 1);
	order = calloc(g.n, sizeof(*order));
	for (size_t i = 0; i < g.n; i++)
		v[i] = true;
	CHECK(!graph_order(&g, v, order, &n));
	free(v);
	free(order);
	diags_free(&d);
	graph_free(&g);

	/* a set large enough to be parsed on several threads gives the same
	 * recipes and diagnostics, in the same order, as loading file by file */
	char tmpl[] = "/tmp/kiln-test-graph-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	CHECK(tmp != NULL);
	for (int i = 0; tmp && i < 150; i++) {
		char *dir = xasprintf("%s/pkg%03d", tmp, i), *file = path_join(dir, "meta.yaml");
		mkdir_p(dir, 0755);
		char *text = xasprintf("package:\n  name: pkg%03d\n  version: 1.%d\n%s"
				       "requirements:\n  run:\n    - pkg%03d\n",
			i, i, i % 7 ? "source:\n  path: src\n" : "source:\n  sha265: x\n", (i + 1) % 160);
		CHECK(write_file_atomic(file, text, strlen(text)));
		free(text);
		free(file);
		free(dir);
	}
	struct diags one = {0};
	graph_init(&g);
	CHECK(graph_load_dir(&g, tmp, &d, &count));
	CHECK(count == 150 && g.n == 150);
	for (int i = 0; i < 150; i++) {
		char *file = xasprintf("%s/pkg%03d/meta.yaml", tmp, i);
		recipe_free(recipe_load(file, &one));
		free(file);
	}
	CHECK(d.n == one.n && d.errors == one.errors && d.errors == 2 * 22);
	diags_sort(&d);
	diags_sort(&one);
	char *a = diags_render(&d), *b = diags_render(&one);
	CHECK(!strcmp(a, b));
	free(a);
	free(b);
	graph_resolve(&g, &d);
	CHECK(d.errors == 2 * 22 + 1); /* pkg149 needs pkg150, which does not exist */
	diags_free(&d);
	diags_free(&one);
	graph_free(&g);
	char *rm = xasprintf("rm -rf '%s'", tmp);
	CHECK(system(rm) == 0);
	free(rm);

	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

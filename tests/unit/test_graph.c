/* Unit tests of the graph API the builder uses: load, resolve, select,
 * order, dependents, host closure. Run in tests/recipes/graph (argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph.h"

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

	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "recipe/diag.h"
#include "recipe/graph.h"

extern const struct kiln_cmd cmd_graph;

struct graph_opts {
	const char *dir, *lock;
	bool dot, no_lock;
};

static const struct cmd_opt options[] = {
	{"recipes", 0, "DIR", "the recipe directory (default: recipes)",
		CMD_STR(struct graph_opts, dir)},
	{"dot", 0, NULL, "print a graphviz digraph instead of the build order",
		CMD_FLAG(struct graph_opts, dot)},
	{"runtime-lock", 0, "FILE", "packages the runtime ships (pyodide-lock.json)",
		CMD_STR(struct graph_opts, lock)},
	{"no-runtime-lock", 0, NULL, "dependencies must all be recipes",
		CMD_FLAG(struct graph_opts, no_lock)},
	{0},
};

static int run(int argc, char **argv)
{
	struct graph_opts o = {.dir = "recipes"};
	if (!cmd_parse(&cmd_graph, &argc, argv, &o))
		return EXIT_USAGE;
	if (o.lock && o.no_lock)
		return cmd_usage_error(&cmd_graph, "--runtime-lock and --no-runtime-lock exclude each other");

	struct graph g;
	struct graph_plan plan = {0};
	struct diags d = {0};
	int status = EXIT_FAIL;
	graph_init(&g);
	bool loaded = graph_load_all(&g, o.dir, o.lock, !o.no_lock, &d);
	if (!diags_show(&d, o.dir) || !loaded)
		goto out;
	if (!graph_plan(&g, (const char *const *)argv + 1, (size_t)(argc - 1), &plan))
		goto out;
	if (o.dot) {
		char *s = graph_dot(&g, plan.sel);
		fputs(s, stdout);
		free(s);
	} else {
		for (size_t i = 0; i < plan.n; i++)
			puts(g.nodes[plan.order[i]].r->package.name.s);
	}
	status = EXIT_OK;
out:
	graph_plan_free(&plan);
	diags_free(&d);
	graph_free(&g);
	return status;
}

const struct kiln_cmd cmd_graph = {
	.name = "graph",
	.run = run,
	.summary = "print the selected recipes in build order",
	.synopsis = "graph [--recipes DIR] [--dot] [--runtime-lock FILE | --no-runtime-lock] "
		    "[SELECTION...]",
	.details = "SELECTION (default *): names or comma lists of names, tag:<tag>, * for all,\n"
		   "!name or !tag:<tag> to exclude (with everything depending on it).\n"
		   "Recipes tagged 'always' are always included; dependencies are pulled in.",
	.opts = options,
};

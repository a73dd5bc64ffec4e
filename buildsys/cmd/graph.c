#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "recipe/diag.h"
#include "recipe/graph.h"

extern const struct kiln_cmd cmd_graph;

enum { OPT_RECIPES = 1, OPT_DOT, OPT_LOCK, OPT_NO_LOCK };

static const struct option options[] = {
	{"recipes", required_argument, NULL, OPT_RECIPES},
	{"dot", no_argument, NULL, OPT_DOT},
	{"runtime-lock", required_argument, NULL, OPT_LOCK},
	{"no-runtime-lock", no_argument, NULL, OPT_NO_LOCK},
	{NULL, 0, NULL, 0},
};

static int run(int argc, char **argv)
{
	const char *dir = "recipes", *lock = NULL;
	bool dot = false, no_lock = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case OPT_RECIPES:
			dir = optarg;
			break;
		case OPT_DOT:
			dot = true;
			break;
		case OPT_LOCK:
			lock = optarg;
			break;
		case OPT_NO_LOCK:
			no_lock = true;
			break;
		default:
			return cmd_usage_error(&cmd_graph, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (lock && no_lock)
		return cmd_usage_error(&cmd_graph, "--runtime-lock and --no-runtime-lock exclude each other");

	struct graph g;
	struct graph_plan plan = {0};
	struct diags d = {0};
	int status = EXIT_FAIL;
	graph_init(&g);
	bool loaded = graph_load_all(&g, dir, lock, !no_lock, &d);
	if (!diags_show(&d, dir) || !loaded)
		goto out;
	if (!graph_plan(&g, (const char *const *)argv + optind, (size_t)(argc - optind), &plan))
		goto out;
	if (dot) {
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
	.usage = "graph [--recipes DIR] [--dot] [--runtime-lock FILE | --no-runtime-lock] "
		 "[SELECTION...]\n\n"
		 "SELECTION (default *): names or comma lists of names, tag:<tag>, * for all,\n"
		 "!name or !tag:<tag> to exclude (with everything depending on it).\n"
		 "Recipes tagged 'always' are always included; dependencies are pulled in.\n"
		 "  --recipes DIR        the recipe directory (default: recipes)\n"
		 "  --dot                print a graphviz digraph instead of the build order\n"
		 "  --runtime-lock FILE  packages the runtime ships (pyodide-lock.json)\n"
		 "  --no-runtime-lock    dependencies must all be recipes",
};

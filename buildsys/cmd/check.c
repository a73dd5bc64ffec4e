#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "recipe/diag.h"
#include "recipe/graph.h"
#include "recipe/recipe.h"

extern const struct kiln_cmd cmd_check;

enum { OPT_FORMAT = 1, OPT_LOCK, OPT_NO_LOCK, OPT_NO_GRAPH };

static const struct option options[] = {
	{"format", required_argument, NULL, OPT_FORMAT},
	{"runtime-lock", required_argument, NULL, OPT_LOCK},
	{"no-runtime-lock", no_argument, NULL, OPT_NO_LOCK},
	{"no-graph", no_argument, NULL, OPT_NO_GRAPH},
	{NULL, 0, NULL, 0},
};

/* a meta.yaml, a recipe directory, or a directory of recipe directories */
static bool load_path(struct graph *g, const char *path, struct diags *d, size_t *count)
{
	if (path_is_file(path)) {
		struct recipe *r = recipe_load(path, d);
		++*count;
		if (r)
			graph_add(g, r);
		return true;
	}
	if (!path_is_dir(path)) {
		log_err("%s: no such recipe, recipe directory or meta.yaml", path);
		return false;
	}
	char *meta = path_join(path, "meta.yaml");
	bool ok = true;
	if (path_exists(meta)) {
		struct recipe *r = recipe_load(meta, d);
		++*count;
		if (r)
			graph_add(g, r);
	} else {
		size_t n = 0;
		ok = graph_load_dir(g, path, d, &n);
		if (ok && !n) {
			log_err("%s: no */meta.yaml recipes in this directory", path);
			ok = false;
		}
		*count += n;
	}
	free(meta);
	return ok;
}

static int run(int argc, char **argv)
{
	const char *format = "text", *lock = NULL;
	bool no_lock = false, no_graph = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			format = optarg;
			if (strcmp(format, "text") && strcmp(format, "json"))
				return cmd_usage_error(&cmd_check, "unknown format '%s' (text or json)", format);
			break;
		case OPT_LOCK:
			lock = optarg;
			break;
		case OPT_NO_LOCK:
			no_lock = true;
			break;
		case OPT_NO_GRAPH:
			no_graph = true;
			break;
		default:
			return cmd_usage_error(&cmd_check, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (lock && no_lock)
		return cmd_usage_error(&cmd_check, "--runtime-lock and --no-runtime-lock exclude each other");

	struct graph g;
	struct diags d = {0};
	size_t count = 0;
	int status = EXIT_OK;
	graph_init(&g);
	if (optind == argc) {
		if (!load_path(&g, "recipes", &d, &count))
			status = EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++)
		if (!load_path(&g, argv[i], &d, &count))
			status = EXIT_FAIL;
	if (!no_graph) {
		if (!no_lock && !graph_load_runtime_lock(&g, lock))
			status = EXIT_FAIL;
		graph_resolve(&g, &d);
	}
	diags_sort(&d);
	if (!strcmp(format, "json")) {
		char *arr = diags_render_json(&d);
		printf("{\"diagnostics\":%s,\"summary\":{\"recipes\":%zu,\"errors\":%zu,"
		       "\"warnings\":%zu}}\n", arr, count, d.errors, d.warnings);
		free(arr);
	} else {
		char *text = diags_render(&d);
		fputs(text, stdout);
		printf("%zu recipes, %zu errors, %zu warnings\n", count, d.errors, d.warnings);
		free(text);
	}
	if (d.errors)
		status = EXIT_FAIL;
	diags_free(&d);
	graph_free(&g);
	return status;
}

const struct kiln_cmd cmd_check = {
	.name = "check",
	.run = run,
	.summary = "validate recipes (meta.yaml) and their dependency graph",
	.usage = "check [--format text|json] [--runtime-lock FILE | --no-runtime-lock] "
		 "[--no-graph] [PATH...]\n\n"
		 "PATH is a meta.yaml, a recipe directory or a directory of recipe\n"
		 "directories (default: recipes). Prints every problem as\n"
		 "file:line:col: error: field: message, then a summary line.\n"
		 "  --format json        diagnostics and summary as one JSON object\n"
		 "  --runtime-lock FILE  packages the runtime ships (pyodide-lock.json);\n"
		 "                       default: the one of the pinned Pyodide, if present\n"
		 "  --no-runtime-lock    dependencies must all be recipes\n"
		 "  --no-graph           check each recipe alone (skip dependency rules)",
};

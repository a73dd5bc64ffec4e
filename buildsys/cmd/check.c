#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "recipe/diag.h"
#include "recipe/graph.h"
#include "recipe/recipe.h"

extern const struct kiln_cmd cmd_check;

struct check_opts {
	const char *format, *lock;
	bool no_lock, no_graph;
};

static const struct cmd_opt options[] = {
	{"format", 0, "text|json", "text, or diagnostics and summary as one JSON object",
		CMD_STR(struct check_opts, format)},
	{"runtime-lock", 0, "FILE", "packages the runtime ships (pyodide-lock.json);\n"
		"default: the one of the pinned Pyodide, if present",
		CMD_STR(struct check_opts, lock)},
	{"no-runtime-lock", 0, NULL, "dependencies must all be recipes",
		CMD_FLAG(struct check_opts, no_lock)},
	{"no-graph", 0, NULL, "check each recipe alone (skip dependency rules)",
		CMD_FLAG(struct check_opts, no_graph)},
	{0},
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
	struct check_opts o = {.format = "text"};
	if (!cmd_parse(&cmd_check, &argc, argv, &o))
		return EXIT_USAGE;
	if (strcmp(o.format, "text") && strcmp(o.format, "json"))
		return cmd_usage_error(&cmd_check, "unknown format '%s' (text or json)", o.format);
	if (o.lock && o.no_lock)
		return cmd_usage_error(&cmd_check, "--runtime-lock and --no-runtime-lock exclude each other");

	struct graph g;
	struct diags d = {0};
	size_t count = 0;
	int status = EXIT_OK;
	graph_init(&g);
	if (argc == 1) {
		if (!load_path(&g, "recipes", &d, &count))
			status = EXIT_FAIL;
	}
	for (int i = 1; i < argc; i++)
		if (!load_path(&g, argv[i], &d, &count))
			status = EXIT_FAIL;
	if (!o.no_graph) {
		if (!o.no_lock && !graph_load_runtime_lock(&g, o.lock))
			status = EXIT_FAIL;
		graph_resolve(&g, &d);
	}
	diags_sort(&d);
	if (!strcmp(o.format, "json")) {
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
	.synopsis = "check [--format text|json] [--runtime-lock FILE | --no-runtime-lock] "
		    "[--no-graph] [PATH...]",
	.details = "PATH is a meta.yaml, a recipe directory or a directory of recipe\n"
		   "directories (default: recipes). Prints every problem as\n"
		   "file:line:col: error: field: message, then a summary line.",
	.opts = options,
};

/* recipe_load (parser and validator) and the graph rules on one meta.yaml */
#include <stdlib.h>

#include "common.h"
#include "recipe/diag.h"
#include "recipe/graph.h"
#include "recipe/recipe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static const char *lookup(const char *name, void *ctx)
{
	return name[0] == 'P' ? "/opt/pyodide" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("meta.yaml", data, size);
	struct diags d = {0};
	struct recipe *r = recipe_load(path, &d);
	if (r) {
		if (r->ok)
			recipe_substitute(r, lookup, NULL, &d);
		struct graph g;
		graph_init(&g);
		graph_add(&g, r);
		graph_add_broken(&g, "broken");
		graph_resolve(&g, &d);
		graph_free(&g);
	}
	diags_sort(&d);
	free(diags_render(&d));
	free(diags_render_json(&d));
	diags_free(&d);
	return 0;
}

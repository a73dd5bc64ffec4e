#ifndef KILN_GRAPH_H
#define KILN_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "recipe/diag.h"
#include "recipe/recipe.h"

/* The recipe set as a dependency graph: nodes are recipes sorted by their
 * PEP 503 normalised name, edges are requirements.host and requirements.run.
 * Host edges order the build; run edges pull packages into a selection. */

struct graph_edge {
	size_t to;                   /* node index */
	const struct recipe_str *dep; /* the requirement entry, for locations */
};

struct graph_node {
	struct recipe *r;
	struct graph_edge *host, *run;
	size_t n_host, n_run;
	size_t seq;    /* order of graph_add */
	bool disabled; /* package._disabled, or depends on a disabled recipe */
};

struct graph {
	struct graph_node *nodes;
	size_t n, cap;
	struct strv lock;   /* normalised names the runtime already ships, sorted */
	struct strv broken; /* normalised directory names of recipes that did not load */
	char *lazy_lock;    /* default runtime lock, read on first use */
	bool resolved;
};

void graph_init(struct graph *g);
void graph_free(struct graph *g);
/* add a loaded recipe; takes ownership. A later recipe with the same
 * normalised name as an earlier one is reported and dropped by graph_resolve. */
void graph_add(struct graph *g, struct recipe *r);
/* remember the name of a recipe directory whose meta.yaml could not be loaded,
 * so that dependencies on it are not reported twice */
void graph_add_broken(struct graph *g, const char *name);
/* load every DIR/<name>/meta.yaml in name order; *count gets the number of
 * meta.yaml files found. false (logged) if dir cannot be read. */
bool graph_load_dir(struct graph *g, const char *dir, struct diags *d, size_t *count);
/* read the package names of a pyodide-lock.json; false (logged) on failure */
bool graph_load_lock(struct graph *g, const char *path);
/* use the runtime lock at path, or with path NULL the one of the Pyodide
 * distribution (config_pyodide_dir()) if it exists, read only when a
 * dependency is not a recipe; false (logged) on failure */
bool graph_load_runtime_lock(struct graph *g, const char *path);
/* The start of every command on a recipe directory: the recipes of dir and
 * the runtime lock as graph_load_runtime_lock takes it (none unless
 * use_lock), resolved; the diagnostics are left in d, sorted, for the caller
 * to show. false (logged) when dir or the lock cannot be read, or dir holds
 * no recipe at all. */
bool graph_load_all(struct graph *g, const char *dir, const char *lock, bool use_lock,
	struct diags *d);
/* Sort, resolve dependencies and check the graph rules: dependencies name a
 * recipe or a runtime package, static libraries are only host dependencies,
 * no cycles (reported with their path); propagate _disabled to dependents
 * (one warning per edge to a disabled recipe). */
void graph_resolve(struct graph *g, struct diags *d);
/* node index for a name (compared PEP 503 normalised), or -1 */
long graph_find(const struct graph *g, const char *name);
/* Resolve a selection as pyodide-build does: names, comma lists, tag:<t>, *,
 * !name / !tag:<t> to exclude (with everything depending on it); recipes
 * tagged always are included; dependencies (host and run) are pulled in;
 * disabled recipes are left out with a warning. sel has g->n entries.
 * false (logged, with suggestions) on unknown names. */
bool graph_select(const struct graph *g, const char *const *query, size_t n, bool *sel);
/* Selected nodes in build order: a topological order of the host edges,
 * ties broken by name. *order (g->n entries) gets *n indices. false if the
 * host edges among the selection have a cycle. */
bool graph_order(const struct graph *g, const bool *sel, size_t *order, size_t *n);
/* A selection in build order: graph_select then graph_order. */
struct graph_plan {
	bool *sel;     /* g->n entries */
	size_t *order; /* the n selected nodes in build order */
	size_t n;
};
/* query (n items; none: "*") planned into p. false (logged) on a wrong
 * selection or a cycle among the host dependencies. */
bool graph_plan(const struct graph *g, const char *const *query, size_t n, struct graph_plan *p);
void graph_plan_free(struct graph_plan *p);
/* mark in out (g->n entries) every recipe that depends on node i, transitively */
void graph_dependents(const struct graph *g, size_t i, bool *out);
/* mark in out (g->n entries) what must be built and installed before node i:
 * its host dependencies with their host and run dependencies, transitively */
void graph_host_closure(const struct graph *g, size_t i, bool *out);
/* graphviz rendering of the selected nodes (host edges solid, run edges dashed) */
char *graph_dot(const struct graph *g, const bool *sel);

#endif

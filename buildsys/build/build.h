#ifndef KILN_BUILD_H
#define KILN_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

/* The recipe builder: a selection of the recipe graph built in parallel into
 * the content-hash cache, then published into dist/ with pyodide-lock.json.
 * It reports through log.h: messages, and events (LOG_EV_*) for each package's start,
 * --explain reason and end, the progress and the summary, which the entry point renders. */

/* how the entry point renders the events */
enum build_log_style {
	BUILD_LOG_TEXT,
	BUILD_LOG_JSON,
};

struct build_opts {
	const char *recipes_dir;      /* recipes/ */
	const char *const *selection; /* graph selection; none: "*" */
	size_t n_selection;
	const char *dist_dir;         /* dist/ */
	const struct strv *mirrors;   /* tried before each recipe's URL */
	const struct strv *indexes;   /* package indexes, after the mirrors (build/index.h) */
	unsigned jobs;                /* total job slots; 0: usable CPUs */
	bool keep_going;
	bool explain;                 /* an event saying why each package is (re)built or not */
	bool fetch_only;              /* kiln fetch: sources only */
	bool legacy_platform_tag;     /* wheels tagged pyodide_<abi>_wasm32 (crossenv_wheel_tag) */
	const char *remote_cache;     /* URL of a shared remote cache (build/remote.h), or NULL */
	bool remote_write;            /* upload what is built (readwrite mode) */
	unsigned shard, n_shards;     /* build shard I of N (1-based); 0: no sharding */
	double step_timeout;          /* seconds per script / backend step; 0: none */
	enum build_log_style log_style; /* read by the entry point, not by build_recipes */
};

/* build (or fetch) the selection; false when anything failed (reported) */
bool build_recipes(const struct build_opts *o);

#endif

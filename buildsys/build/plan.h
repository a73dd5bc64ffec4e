#ifndef KILN_PLAN_H
#define KILN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "build/cache.h"
#include "build/remote.h"
#include "build/scheduler.h"
#include "recipe/graph.h"
#include "toolchain/crossenv.h"

/* The plan of a build run: the selected recipes in build order, each with its host
 * closure, cache key and cache entry; the sources to fetch; the scheduler jobs of the
 * packages to build, with their dependencies and expected durations. */

struct plan_pkg {
	size_t node;           /* graph node */
	struct recipe *r;
	struct cache_key key;
	char *entry;           /* published cache entry, once there is one */
	char *archive;         /* fetched source file */
	bool *closure;         /* host closure (graph size), NULL when empty */
	bool build;            /* needs building */
	bool remote_hit;       /* the entry came from the remote cache in this run */
	bool mine;             /* published into dist/ (its shard's, or every package) */
	bool failed;
	size_t job;            /* index into jobs when build */
};

struct plan {
	struct graph g;
	struct graph_plan sel;
	struct crossenv ce;
	char *cache;           /* absolute */
	char *work;            /* <cache>/work */
	struct plan_pkg *pkgs; /* in build order */
	size_t n;
	long *pkg_of_node;     /* graph node -> pkg index or -1 */
	struct sched_job *jobs;
	size_t njobs;
	size_t **deps;
	unsigned slots;        /* total job slots */
	struct remote *remote; /* the shared remote cache, or NULL */
	struct strv shared_durations; /* the store's record, "NAME SECONDS" (--shard) */
};

/* the selection (n items; none: "*") of the recipes in recipes_dir, in build order; the
 * cross environment is set up first unless fetch_only; jobs 0: usable CPUs. False
 * (reported) on bad recipes or a bad selection; p is freed with plan_free either way. */
bool plan_load(struct plan *p, const char *recipes_dir, const char *const *selection,
	size_t n, unsigned jobs, bool fetch_only);

/* every package's host closure and key, in build order; then, of the packages this run
 * needs, the cache entry (the local cache, then the remote one); with explain a
 * LOG_EV_EXPLAIN event for each. With n_shards > 1 the run's own packages (mine) are those
 * of shard (1-based): the selection split over n_shards by recorded durations (the local
 * cache's, else the store's record, else an estimate), longest first
 * to the least loaded shard, equal ones in the order of a stable hash of their names; the
 * host closures of its own packages are needed too. Returns how many need building, or -1
 * (reported). */
long plan_keys(struct plan *p, bool explain, unsigned shard, unsigned n_shards);

/* merge the durations recorded in the local cache for the selection into the store's
 * record (build/remote.h), which shard runners read for the packages they have no record
 * of; runs of a shard only read it, so that every shard sees the same record */
void plan_share_durations(struct plan *p);

/* fetch the sources of the packages to build (all with a URL when all); mirrors may be
 * NULL. False when any failed (those packages are marked failed). */
bool plan_fetch(struct plan *p, bool all, const struct strv *mirrors,
	const struct strv *indexes);

/* the scheduler jobs of the packages to build, with their dependencies among them and
 * their recorded durations */
void plan_jobs(struct plan *p);

/* the package that job i builds, or NULL */
struct plan_pkg *plan_pkg_of_job(const struct plan *p, size_t i);

/* look up the entries that pkg's host dependencies built in this run have now */
void plan_refresh_closure(const struct plan *p, struct plan_pkg *pkg);

/* pkg was built in seconds: take its entry and record the duration for later runs */
void plan_built(struct plan *p, struct plan_pkg *pkg, double seconds);

void plan_free(struct plan *p);

#endif

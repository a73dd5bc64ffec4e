#include "build/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/proc.h"
#include "build/cache.h"
#include "build/job.h"
#include "build/plan.h"
#include "build/publish.h"
#include "build/remote.h"
#include "build/scheduler.h"
#include "recipe/recipe.h"

struct run {
	const struct build_opts *o;
	struct plan plan;
	struct remote remote;
	size_t uploaded;
	double upload_seconds; /* spent uploading, between the scheduler's steps */
};

/* a package built in this run into the remote cache */
static void upload(struct run *r, const struct plan_pkg *pkg)
{
	if (!r->plan.remote || !r->o->remote_write || !pkg->entry)
		return;
	double t0 = sched_now();
	enum remote_result res = remote_put_entry(r->plan.remote, pkg->r->norm_name, pkg->key.hex,
		pkg->entry);
	r->upload_seconds += sched_now() - t0;
	if (res != REMOTE_HIT)
		return;
	r->uploaded++;
	if (r->o->explain)
		log_event(&(struct log_event){.kind = LOG_EV_EXPLAIN, .package = pkg->r->norm_name,
			.status = "uploaded", .detail = r->remote.shown, .seconds = -1});
}

static pid_t start_job(size_t i, const struct sched_jobserver *js, void *ctx)
{
	struct run *r = ctx;
	struct plan_pkg *pkg = plan_pkg_of_job(&r->plan, i);
	if (!pkg)
		return -1;
	if (pkg->failed) {
		log_err("%s: not built: its source could not be fetched", pkg->r->norm_name);
		return -1;
	}
	plan_refresh_closure(&r->plan, pkg);
	return job_start(&r->plan, pkg, js, r->o->step_timeout);
}

static void on_finished(size_t i, void *ctx)
{
	struct run *r = ctx;
	struct plan_pkg *pkg = plan_pkg_of_job(&r->plan, i);
	if (!pkg)
		return;
	const struct sched_job *j = &r->plan.jobs[i];
	struct log_event e = {.kind = LOG_EV_FINISHED, .package = pkg->r->norm_name,
		.status = "ok", .seconds = j->seconds};
	char *logpath = NULL, *why = NULL;
	if (j->state == SCHED_DONE) {
		plan_built(&r->plan, pkg, j->seconds);
		upload(r, pkg);
	} else {
		pkg->failed = true;
		e.status = "failed";
		e.detail = logpath = xasprintf("%s/%s/build.log", r->plan.work, pkg->r->norm_name);
		e.reason = why = proc_describe(j->status);
	}
	log_event(&e);
	free(logpath);
	free(why);
}

static void progress(size_t done, size_t total, const char *name, size_t running,
	double elapsed, void *ctx)
{
	log_event(&(struct log_event){.kind = name ? LOG_EV_START : LOG_EV_PROGRESS,
		.package = name, .seconds = -1, .progress = {done, total, running, elapsed}});
}

/* build the packages that need it; false when anything failed */
static bool run_jobs(struct run *r, bool *interrupted)
{
	plan_jobs(&r->plan);
	struct sched_ops ops = {.start = start_job, .finished = on_finished, .status = progress,
		.ctx = r};
	struct sched_opts so = {.jobs = r->plan.slots, .keep_going = r->o->keep_going};
	return sched_run(r->plan.jobs, r->plan.njobs, &so, &ops, interrupted);
}

static void summary(const struct run *r, bool ok, bool interrupted, double seconds)
{
	const struct plan *p = &r->plan;
	size_t built = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < p->njobs; i++) {
		built += p->jobs[i].state == SCHED_DONE;
		failed += p->jobs[i].state == SCHED_FAILED;
		skipped += p->jobs[i].state == SCHED_SKIPPED;
	}
	struct buf b = {0};
	if (r->o->n_shards > 1)
		buf_printf(&b, "shard %u/%u: ", r->o->shard, r->o->n_shards);
	buf_printf(&b, "%zu packages: %zu built, %zu up to date, %zu failed, %zu skipped", p->n,
		built, p->n - p->njobs, failed, skipped);
	if (p->remote) {
		size_t hits = 0;
		for (size_t i = 0; i < p->n; i++)
			hits += p->pkgs[i].remote_hit;
		buf_printf(&b, "; remote cache: %zu hit%s, %zu uploaded", hits, hits == 1 ? "" : "s",
			r->uploaded);
		if (r->uploaded)
			buf_printf(&b, " in %.1fs", r->upload_seconds);
		if (p->remote->down)
			buf_puts(&b, " (store unavailable)");
	}
	char *detail = buf_take(&b);
	log_event(&(struct log_event){.kind = LOG_EV_SUMMARY,
		.status = ok ? "ok" : interrupted ? "interrupted" : "failed", .seconds = seconds,
		.detail = detail});
	free(detail);
}

static bool fetch_only(struct run *r)
{
	if (r->o->remote_cache) {
		if (!remote_open(&r->remote, r->o->remote_cache, r->o->remote_write, r->plan.cache))
			return false;
		r->plan.remote = &r->remote;
	}
	if (!plan_fetch(&r->plan, true, r->o->mirrors, r->o->indexes))
		return false;
	char *dir = path_join(r->plan.cache, "sources");
	log_event(&(struct log_event){.kind = LOG_EV_FETCHED, .detail = dir, .seconds = -1,
		.progress.done = r->plan.n});
	free(dir);
	return true;
}

bool build_recipes(const struct build_opts *o)
{
	struct run r = {.o = o};
	bool ok = false, interrupted = false;
	double t0 = sched_now();
	if (!plan_load(&r.plan, o->recipes_dir, o->selection, o->n_selection, o->jobs,
		    o->fetch_only))
		goto out;
	if (o->fetch_only) {
		ok = fetch_only(&r);
		goto out;
	}
	/* what builds that were killed left in the cache */
	size_t swept = cache_sweep(r.plan.cache);
	if (swept)
		log_info("removed %zu stage director%s left by an interrupted build", swept,
			swept == 1 ? "y" : "ies");
	r.plan.ce.legacy_tag = o->legacy_platform_tag;
	if (o->remote_cache) {
		if (!remote_open(&r.remote, o->remote_cache, o->remote_write, r.plan.cache))
			goto out;
		r.plan.remote = &r.remote;
	}
	long todo = plan_keys(&r.plan, o->explain, o->shard, o->n_shards);
	if (todo < 0)
		goto out;
	if (todo && !plan_fetch(&r.plan, false, o->mirrors, o->indexes) && !o->keep_going)
		goto out;
	ok = todo == 0 || run_jobs(&r, &interrupted);
	/* the durations shard runners balance by; a shard only reads them */
	if (todo && !interrupted && o->remote_write && o->n_shards <= 1)
		plan_share_durations(&r.plan);
	if (!interrupted) {
		char *dist = path_absolute(o->dist_dir);
		ok = publish_dist(&r.plan, dist) && ok;
		free(dist);
	}
	summary(&r, ok, interrupted, sched_now() - t0);
out:
	plan_free(&r.plan);
	remote_close(&r.remote);
	return ok;
}

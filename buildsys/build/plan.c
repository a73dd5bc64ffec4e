#include "build/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "build/fetch.h"
#include "recipe/diag.h"
#include "recipe/recipe.h"
#include "toolchain/crossenv_setup.h"
#include "version.h"

static bool load_graph(struct plan *p, const char *recipes_dir, const char *const *selection,
	size_t n)
{
	struct diags d = {0};
	char *lock = p->ce.pyodide_dir ? path_join(p->ce.pyodide_dir, "pyodide-lock.json") : NULL;
	bool ok = graph_load_all(&p->g, recipes_dir, lock, true, &d);
	free(lock);
	ok = diags_show(&d, recipes_dir) && ok;
	diags_free(&d);
	/* recipe directories reach build scripts ($PKGDIR), which run in their source trees */
	for (size_t i = 0; i < p->g.n; i++) {
		struct recipe *r = p->g.nodes[i].r;
		char *abs = r ? path_absolute(r->dir) : NULL;
		if (abs) {
			free(r->dir);
			r->dir = abs;
		}
	}
	return ok && graph_plan(&p->g, selection, n, &p->sel);
}

bool plan_load(struct plan *p, const char *recipes_dir, const char *const *selection,
	size_t n, unsigned jobs, bool fetch_only)
{
	*p = (struct plan){0};
	p->cache = path_absolute(config_cache_dir());
	p->work = path_join(p->cache, "work");
	p->slots = jobs ? jobs : sched_cpu_count();
	graph_init(&p->g);
	if (!fetch_only && !crossenv_setup(NULL, NULL, &p->ce))
		return false;
	if (!load_graph(p, recipes_dir, selection, n))
		return false;
	p->n = p->sel.n;
	p->pkgs = xcalloc(p->n + 1, sizeof(*p->pkgs));
	p->pkg_of_node = xcalloc(p->g.n + 1, sizeof(*p->pkg_of_node));
	for (size_t i = 0; i < p->g.n; i++)
		p->pkg_of_node[i] = -1;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_pkg *k = &p->pkgs[i];
		k->node = p->sel.order[i];
		k->r = p->g.nodes[k->node].r;
		p->pkg_of_node[k->node] = (long)i;
	}
	return true;
}

/* the planned package of graph node i when it is in pkg's host closure, else NULL */
static struct plan_pkg *closure_pkg(const struct plan *p, const struct plan_pkg *pkg, size_t i)
{
	if (!pkg->closure || !pkg->closure[i] || p->pkg_of_node[i] < 0)
		return NULL;
	return &p->pkgs[p->pkg_of_node[i]];
}

static bool add_recipe_files(struct cache_key *k, const struct recipe *r)
{
	bool ok = cache_key_add_file(k, "recipe", r->file);
	for (size_t i = 0; ok && i < r->source.patches.n; i++) {
		char *path = path_join(r->dir, r->source.patches.v[i].s);
		char *label = xasprintf("patch:%s", r->source.patches.v[i].s);
		ok = cache_key_add_file(k, label, path);
		free(label);
		free(path);
	}
	for (size_t i = 0; ok && i < r->source.n_extras; i++) {
		char *path = path_join(r->dir, r->source.extras[i].src.s);
		char *label = xasprintf("extra:%s", r->source.extras[i].src.s);
		ok = cache_key_add_file(k, label, path);
		free(label);
		free(path);
	}
	if (ok && r->source.url.set) {
		cache_key_add_hash(k, "source", r->source.sha256.s);
	} else if (ok && r->source.path.set) {
		char *path = path_join(r->dir, r->source.path.s);
		ok = cache_key_add_tree(k, "source", path);
		free(path);
	}
	return ok;
}

/* a package's key includes its host closure's, which come before it in build order */
static bool compute_key(const struct plan *p, struct plan_pkg *pkg)
{
	struct cache_key *k = &pkg->key;
	cache_key_add(k, "kiln", KILN_VERSION, strlen(KILN_VERSION));
	if (!add_recipe_files(k, pkg->r))
		return false;
	cache_key_add(k, "crossenv", p->ce.id, strlen(p->ce.id));
	const char *tag = crossenv_wheel_tag(&p->ce);
	cache_key_add(k, "platform-tag", tag, strlen(tag));
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch)
		cache_key_add(k, "SOURCE_DATE_EPOCH", epoch, strlen(epoch));
	for (size_t i = 0; i < p->g.n; i++) {
		const struct plan_pkg *d = closure_pkg(p, pkg, i);
		if (!d)
			continue;
		char *label = xasprintf("hostdep:%s", d->r->norm_name);
		cache_key_add_hash(k, label, d->key.hex);
		free(label);
	}
	cache_key_final(k);
	return true;
}

static void find_closure(const struct plan *p, struct plan_pkg *pkg)
{
	bool *cl = xcalloc(p->g.n, sizeof(*cl));
	graph_host_closure(&p->g, pkg->node, cl);
	bool any = false;
	for (size_t k = 0; k < p->g.n; k++)
		any = any || cl[k];
	if (any)
		pkg->closure = cl;
	else
		free(cl);
}

static void explain_pkg(const struct plan *p, const struct plan_pkg *pkg, bool local)
{
	char *why = pkg->build ? cache_explain(p->cache, pkg->r->norm_name, &pkg->key) : NULL;
	const char *status = pkg->build ? "build" : local ? "up to date" : "remote hit";
	const char *detail = why ? why : local ? "local hit" : p->remote->shown;
	log_event(&(struct log_event){.kind = LOG_EV_EXPLAIN, .package = pkg->r->norm_name,
		.status = status, .detail = detail, .seconds = -1});
	free(why);
}

/* a stable hash of a name (FNV-1a), the order of equal weights */
static unsigned long long name_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct shard_item {
	size_t pkg;
	double weight;
	unsigned long long hash;
};

static int by_weight(const void *a, const void *b)
{
	const struct shard_item *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static double recorded_weight(const struct plan *p, const struct plan_pkg *pkg);
static double local_duration(const struct plan *p, const struct plan_pkg *pkg);
static long record_of(const struct strv *records, const char *name);

/* shard i of n (1-based): the longest packages first, each to the least loaded shard */
static void plan_shard(struct plan *p, unsigned shard, unsigned n_shards)
{
	struct shard_item *items = xcalloc(p->n + 1, sizeof(*items));
	double *load = xcalloc(n_shards, sizeof(*load));
	size_t local = 0, shared = 0;
	for (size_t i = 0; i < p->n; i++) {
		items[i] = (struct shard_item){i, recorded_weight(p, &p->pkgs[i]),
			name_hash(p->pkgs[i].r->norm_name)};
		if (local_duration(p, &p->pkgs[i]) > 0)
			local++;
		else if (record_of(&p->shared_durations, p->pkgs[i].r->norm_name) >= 0)
			shared++;
	}
	log_info("split over %u shards by recorded durations: %zu local, %zu from the store, "
		"%zu estimated", n_shards, local, shared, p->n - local - shared);
	array_sort(items, p->n, sizeof(*items), by_weight);
	for (size_t i = 0; i < p->n; i++) {
		unsigned best = 0;
		for (unsigned s = 1; s < n_shards; s++)
			if (load[s] < load[best])
				best = s;
		load[best] += items[i].weight;
		p->pkgs[items[i].pkg].mine = best + 1 == shard;
	}
	free(load);
	free(items);
}

/* what this run needs: its own packages and their host closures */
static void mark_needed(const struct plan *p, bool *needed)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct plan_pkg *pkg = &p->pkgs[i];
		if (!pkg->mine && !needed[i])
			continue;
		needed[i] = true;
		for (size_t k = 0; k < p->g.n; k++) {
			const struct plan_pkg *d = closure_pkg(p, pkg, k);
			if (d)
				needed[d - p->pkgs] = true;
		}
	}
}

/* the local cache, then the remote one */
static bool lookup(struct plan *p, struct plan_pkg *pkg)
{
	pkg->entry = remote_lookup(p->remote, p->cache, pkg->r->norm_name, &pkg->key,
		&pkg->remote_hit);
	pkg->build = !pkg->entry;
	return pkg->entry && !pkg->remote_hit;
}

long plan_keys(struct plan *p, bool explain, unsigned shard, unsigned n_shards)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_pkg *pkg = &p->pkgs[i];
		find_closure(p, pkg);
		if (!compute_key(p, pkg))
			return -1;
		pkg->mine = true;
	}
	bool *needed = xcalloc(p->n + 1, sizeof(*needed));
	if (n_shards > 1 && p->remote)
		remote_get_durations(p->remote, p->ce.id, &p->shared_durations);
	if (n_shards > 1)
		plan_shard(p, shard, n_shards);
	mark_needed(p, needed);
	long todo = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_pkg *pkg = &p->pkgs[i];
		if (!needed[i])
			continue;
		bool local = lookup(p, pkg);
		todo += pkg->build;
		if (explain)
			explain_pkg(p, pkg, local);
	}
	free(needed);
	return todo;
}

/* the sha256 of a file in the source cache: <cache>/sources/<sha256>/<name> */
static const char *sha_of(const char *path)
{
	static char sha[65];
	const char *name = path_basename(path);
	snprintf(sha, sizeof(sha), "%.64s", name - 65);
	return sha;
}

/* the download of each wanted source; packages whose source cannot be had fail */
static bool want_source(struct plan_pkg *pkg, bool all)
{
	if ((!pkg->build && !all) || !pkg->r->source.url.set)
		return false;
	if (recipe_has_var(pkg->r->source.url.s) || recipe_has_var(pkg->r->source.sha256.s)) {
		log_err("%s: source.url or sha256 uses $(VAR), which kiln cannot substitute "
			"before fetching", pkg->r->norm_name);
		pkg->failed = true;
		return false;
	}
	return true;
}

/* the sources missing locally from the remote cache; had: in the local cache (now) */
static void remote_sources(const struct plan *p, const struct fetch_item *items, size_t n,
	bool *had)
{
	for (size_t k = 0; k < n; k++) {
		char *path = fetch_cache_path(p->cache, &items[k]);
		had[k] = path && path_is_file(path);
		if (path && !had[k] && p->remote) {
			const char *sha = sha_of(path);
			had[k] = remote_get_source(p->remote, p->cache, sha, path_basename(path)) ==
				REMOTE_HIT;
		}
		free(path);
	}
}

bool plan_fetch(struct plan *p, bool all, const struct strv *mirrors,
	const struct strv *indexes)
{
	struct fetch_item *items = xcalloc(p->n + 1, sizeof(*items));
	size_t *which = xcalloc(p->n + 1, sizeof(*which));
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (!want_source(&p->pkgs[i], all))
			continue;
		items[n].url = p->pkgs[i].r->source.url.s;
		items[n].sha256 = p->pkgs[i].r->source.sha256.s;
		/* a package is listed under its name; a library's archive under its file's */
		if (p->pkgs[i].r->build.type == RECIPE_PACKAGE)
			items[n].project = p->pkgs[i].r->package.name.s;
		which[n++] = i;
	}
	struct fetch_opts fo = {
		.cache_dir = p->cache,
		.mirrors = mirrors ? (const char *const *)mirrors->v : NULL,
		.n_mirrors = mirrors ? mirrors->n : 0,
		.indexes = indexes ? (const char *const *)indexes->v : NULL,
		.n_indexes = indexes ? indexes->n : 0,
	};
	bool *had = xcalloc(n + 1, sizeof(*had));
	remote_sources(p, items, n, had);
	bool ok = n == 0 || fetch_all(items, n, &fo);
	for (size_t k = 0; p->remote && k < n; k++)
		if (items[k].path && !had[k])
			remote_put_source(p->remote, sha_of(items[k].path), items[k].path);
	free(had);
	for (size_t k = 0; k < n; k++) {
		struct plan_pkg *pkg = &p->pkgs[which[k]];
		pkg->archive = items[k].path;
		pkg->failed = pkg->failed || !items[k].path;
		items[k].path = NULL;
		fetch_item_clear(&items[k]);
	}
	free(items);
	free(which);
	for (size_t i = 0; i < p->n; i++)
		ok = ok && !p->pkgs[i].failed;
	return ok;
}

static char *duration_path(const struct plan *p, const struct plan_pkg *pkg)
{
	return xasprintf("%s/builds/%s/duration", p->cache, pkg->r->norm_name);
}

/* the duration the local cache recorded for pkg, or 0 */
static double local_duration(const struct plan *p, const struct plan_pkg *pkg)
{
	char *path = duration_path(p, pkg);
	char *text = read_file(path, NULL);
	free(path);
	double w = text ? strtod(text, NULL) : 0;
	free(text);
	return w > 0 ? w : 0;
}

/* the index of name's line in a record of "NAME SECONDS" lines, or -1 */
static long record_of(const struct strv *records, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < records->n; i++)
		if (strncmp(records->v[i], name, n) == 0 && records->v[i][n] == ' ')
			return (long)i;
	return -1;
}

static double recorded_weight(const struct plan *p, const struct plan_pkg *pkg)
{
	double w = local_duration(p, pkg);
	long i = w > 0 ? -1 : record_of(&p->shared_durations, pkg->r->norm_name);
	if (i >= 0)
		w = strtod(p->shared_durations.v[i] + strlen(pkg->r->norm_name) + 1, NULL);
	if (w > 0)
		return w;
	/* unknown: libraries and compiled packages take longer than pure ones */
	return pkg->r->build.type == RECIPE_PACKAGE && !pkg->r->build.script.set ? 5 : 30;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void plan_share_durations(struct plan *p)
{
	struct strv rec = {0};
	if (!p->remote || remote_get_durations(p->remote, p->ce.id, &rec) == REMOTE_DOWN) {
		strv_free(&rec);
		return;
	}
	bool changed = false;
	for (size_t i = 0; i < p->n; i++) {
		double w = local_duration(p, &p->pkgs[i]);
		if (w <= 0)
			continue;
		char *line = xasprintf("%s %.3f", p->pkgs[i].r->norm_name, w);
		long at = record_of(&rec, p->pkgs[i].r->norm_name);
		if (at >= 0 && strcmp(rec.v[at], line) == 0) {
			free(line);
		} else if (at >= 0) {
			free(rec.v[at]);
			rec.v[at] = line;
			changed = true;
		} else {
			strv_push(&rec, line);
			changed = true;
		}
	}
	array_sort(rec.v, rec.n, sizeof(*rec.v), by_text);
	if (changed)
		remote_put_durations(p->remote, p->ce.id, &rec);
	strv_free(&rec);
}

void plan_jobs(struct plan *p)
{
	size_t todo = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->pkgs[i].build)
			p->pkgs[i].job = todo++;
	p->jobs = xcalloc(todo + 1, sizeof(*p->jobs));
	p->deps = xcalloc(todo + 1, sizeof(*p->deps));
	p->njobs = todo;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_pkg *pkg = &p->pkgs[i];
		if (!pkg->build)
			continue;
		struct sched_job *j = &p->jobs[pkg->job];
		size_t *deps = p->deps[pkg->job] = xcalloc(p->n + 1, sizeof(*deps));
		j->name = pkg->r->norm_name;
		j->weight = recorded_weight(p, pkg);
		for (size_t k = 0; k < p->g.n; k++) {
			const struct plan_pkg *d = closure_pkg(p, pkg, k);
			if (d && d->build)
				deps[j->ndeps++] = d->job;
		}
		j->deps = deps;
	}
}

struct plan_pkg *plan_pkg_of_job(const struct plan *p, size_t i)
{
	struct plan_pkg *pkg = NULL;
	for (size_t k = 0; k < p->n; k++)
		if (p->pkgs[k].build && p->pkgs[k].job == i)
			pkg = &p->pkgs[k];
	return pkg;
}

void plan_refresh_closure(const struct plan *p, struct plan_pkg *pkg)
{
	for (size_t k = 0; k < p->g.n; k++) {
		struct plan_pkg *d = closure_pkg(p, pkg, k);
		if (d && !d->entry)
			d->entry = cache_lookup(p->cache, d->r->norm_name, &d->key);
	}
}

void plan_built(struct plan *p, struct plan_pkg *pkg, double seconds)
{
	pkg->entry = cache_lookup(p->cache, pkg->r->norm_name, &pkg->key);
	char *dur = duration_path(p, pkg);
	char *v = xasprintf("%.3f\n", seconds);
	write_file_atomic(dur, v, strlen(v));
	free(v);
	free(dur);
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		cache_key_free(&p->pkgs[i].key);
		free(p->pkgs[i].entry);
		free(p->pkgs[i].archive);
		free(p->pkgs[i].closure);
	}
	for (size_t i = 0; i < p->njobs; i++)
		free(p->deps[i]);
	free(p->deps);
	free(p->jobs);
	free(p->pkgs);
	free(p->pkg_of_node);
	strv_free(&p->shared_durations);
	graph_plan_free(&p->sel);
	graph_free(&p->g);
	crossenv_free(&p->ce);
	free(p->work);
	free(p->cache);
	*p = (struct plan){0};
}

#include "build/job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "build/backend.h"
#include "build/buildenv.h"
#include "build/cache.h"
#include "build/pkgbuild.h"
#include "build/plan.h"
#include "build/scheduler.h"
#include "build/srctree.h"
#include "recipe/diag.h"
#include "recipe/recipe.h"

struct job {
	const struct plan *plan;
	const struct plan_pkg *pkg;
	const char *makeflags;
	double timeout;
	char *work, *src, *prefix, *distdir, *wheeldir, *stage;
	struct strv env;
	int log;
};

/* a script of the recipe, in bash; its exports persist into the later steps */
static bool step(struct job *j, const char *what, const char *script, const char *cwd)
{
	if (!script || !*script)
		return true;
	log_info("running %s", what);
	struct strv out = {0};
	struct proc_opts po = proc_step_opts(cwd, j->env.v, j->log, j->timeout);
	int st = 0;
	bool ok = proc_bash(script, &po, &st, &out);
	if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *why = proc_describe(st);
		log_err("%s failed (%s)", what, why);
		free(why);
		ok = false;
	}
	if (ok) {
		strv_free(&j->env);
		j->env = out;
	} else {
		strv_free(&out);
	}
	return ok;
}

static bool copy(const char *const *argv, int log)
{
	struct proc_opts po = proc_step_opts(NULL, NULL, log, 0);
	int st = 0;
	return proc_run(argv, &po, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool copy_tree(const char *from, const char *to)
{
	if (!path_is_dir(from))
		return true;
	if (!mkdir_p(to, 0755)) {
		log_err("cannot create %s: %s", to, strerror(errno));
		return false;
	}
	char *src = xasprintf("%s/.", from);
	const char *argv[] = {"cp", "-a", src, to, NULL};
	bool ok = copy(argv, -1);
	if (!ok)
		log_err("cannot copy %s to %s", from, to);
	free(src);
	return ok;
}

/* ---------- what a library build added to its prefix ---------- */

/* files compared by size and modification time with the snapshot taken before the build */
struct snap {
	struct strv lines; /* "rel\tsize\tmtime" of regular files and links */
};

static bool snap_entry(const char *rel, const struct stat *st, void *p)
{
	struct snap *s = p;
	if (!S_ISDIR(st->st_mode))
		strv_push(&s->lines, xasprintf("%s\t%lld\t%lld.%09ld", rel, (long long)st->st_size,
			(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec));
	return true;
}

struct added {
	const struct snap *before;
	const char *root, *dest;
	size_t count;
	bool ok;
};

static bool added_entry(const char *rel, const struct stat *st, void *p)
{
	struct added *a = p;
	if (S_ISDIR(st->st_mode))
		return true;
	struct snap one = {0};
	snap_entry(rel, st, &one);
	bool same = strv_has(&a->before->lines, one.lines.v[0]);
	strv_free(&one.lines);
	if (same)
		return true;
	char *from = path_join(a->root, rel);
	char *to = path_join(a->dest, rel);
	char *dir = path_dirname(to);
	const char *argv[] = {"cp", "-a", from, to, NULL};
	a->ok = mkdir_p(dir, 0755) && copy(argv, -1);
	if (!a->ok)
		log_err("cannot copy %s into the cache", from);
	a->count++;
	free(from);
	free(to);
	free(dir);
	return a->ok;
}

/* a library's own files (what it added to the prefix) into the stage's prefix/ */
static bool stage_prefix(struct job *j, const struct snap *before)
{
	const struct recipe *r = j->pkg->r;
	char *own = path_join(j->stage, "prefix");
	struct added a = {.before = before, .root = j->prefix, .dest = own, .ok = true};
	bool ok = walk_tree(j->prefix, added_entry, &a) && a.ok;
	if (ok && !a.count && r->build.type == RECIPE_STATIC_LIBRARY) {
		log_err("the build script installed nothing into $WASM_LIBRARY_DIR (%s)", j->prefix);
		ok = false;
	}
	free(own);
	return ok;
}

/* ---------- the artifacts and their lockfile entries ---------- */

static bool file_sha(const char *path, char out[65])
{
	if (hash_sha256_file(path, out))
		return true;
	log_err("cannot read %s: %s", path, strerror(errno));
	return false;
}

/* the entry of a file of the package, appended to entries */
static bool add_entry(struct job *j, enum lock_kind kind, const char *path,
	struct lock_pkgs *entries)
{
	char sha[65];
	if (!file_sha(path, sha))
		return false;
	struct lock_pkg l;
	lock_pkg_for_recipe(&l, j->pkg->r, kind, path_basename(path), sha);
	lock_pkgs_add(entries, &l);
	return true;
}

static bool run_post(const char *wheel_dir, void *p)
{
	struct job *j = p;
	pkgbuild_setenv(&j->env, "WHEELDIR", wheel_dir);
	return step(j, "build.post", j->pkg->r->build.post.s, wheel_dir);
}

/* the wheel and its unvendored tests, post-processed and checked */
static bool package_entries(struct job *j, const struct wheel_post_result *res,
	struct lock_pkgs *entries)
{
	const struct recipe *r = j->pkg->r;
	enum lock_kind kind = r->build.type == RECIPE_CPYTHON_MODULE ? LOCK_CPYTHON_MODULE
		: LOCK_PACKAGE;
	if (!add_entry(j, kind, res->wheel_path, entries))
		return false;
	char sha[65];
	if (!res->tests_path || !file_sha(res->tests_path, sha))
		return !res->tests_path;
	struct lock_pkg tl;
	lock_pkg_tests(&tl, &entries->v[entries->n - 1], path_basename(res->tests_path), sha);
	lock_pkgs_add(entries, &tl);
	return true;
}

/* the cross-build packages (numpy…) of the host closure: their target wheels in the
 * cache and the files other builds compile against */
struct cross_inputs {
	struct buildenv_cross *v;
	struct strv *files;
	char **wheels;
	size_t n;
};

static void cross_free(struct cross_inputs *c)
{
	for (size_t i = 0; i < c->n; i++) {
		strv_free(&c->files[i]);
		free(c->wheels[i]);
	}
	free(c->v);
	free(c->files);
	free(c->wheels);
}

static bool cross_collect(const struct job *j, struct cross_inputs *c)
{
	const struct plan *p = j->plan;
	*c = (struct cross_inputs){0};
	c->v = xcalloc(p->g.n + 1, sizeof(*c->v));
	c->files = xcalloc(p->g.n + 1, sizeof(*c->files));
	c->wheels = xcalloc(p->g.n + 1, sizeof(*c->wheels));
	for (size_t i = 0; j->pkg->closure && i < p->g.n; i++) {
		if (!j->pkg->closure[i] || p->pkg_of_node[i] < 0)
			continue;
		const struct plan_pkg *d = &p->pkgs[p->pkg_of_node[i]];
		if (!d->r->build.cross_build_env.v || !d->entry)
			continue;
		char *wheel = wheel_find_one(d->entry);
		if (!wheel)
			return false;
		size_t k = c->n++;
		c->wheels[k] = wheel;
		for (size_t f = 0; f < d->r->build.cross_build_files.n; f++)
			strv_add(&c->files[k], d->r->build.cross_build_files.v[f].s);
		c->v[k] = (struct buildenv_cross){.name = d->r->norm_name,
			.version = d->r->package.version.s, .wheel = wheel, .files = &c->files[k]};
	}
	return true;
}

static bool build_package(struct job *j, struct lock_pkgs *entries)
{
	const struct recipe *r = j->pkg->r;
	const struct crossenv *ce = &j->plan->ce;
	if (!step(j, "build.cross-script", r->build.cross_script.s, j->src))
		return false;
	if (!pkgbuild_getenv(&j->env, "CARGO_BUILD_TARGET") && pkgbuild_uses_rust(j->src) &&
		!pkgbuild_rust_env(ce, &j->env))
		return false;
	pkgbuild_flags(&j->env, j->prefix, r->build.cflags.s, r->build.cxxflags.s,
		r->build.ldflags.s);
	struct strv constraints = {0};
	for (size_t i = 0; i < r->requirements.constraint.n; i++)
		strv_add(&constraints, r->requirements.constraint.v[i].s);
	struct cross_inputs cross;
	bool built = cross_collect(j, &cross);
	struct backend_opts bo = {
		.python = ce->host_python, .srcdir = j->src, .outdir = j->wheeldir,
		.backend_flags = r->build.backend_flags.s, .cache_dir = j->plan->cache,
		.constraints = &constraints, .cross = cross.v, .n_cross = cross.n,
		.env = j->env.v, .log_fd = j->log, .timeout = j->timeout,
	};
	log_info("running the PEP 517 build");
	built = built && backend_build_wheel(&bo);
	cross_free(&cross);
	strv_free(&constraints);
	if (!built)
		return false;
	struct wheel_target t;
	char *pytag = pkgbuild_target(ce, &t);
	struct strv retain = {0};
	for (size_t i = 0; i < r->build.retain_test_patterns.n; i++)
		strv_add(&retain, r->build.retain_test_patterns.v[i].s);
	char *scratch = path_join(j->work, "post");
	/* build.vendor-sharedlib: what the modules need from the library prefix goes into
	 * <name>.libs/, where the runtime's loader looks */
	bool vendor = !r->build.vendor_sharedlib.set || r->build.vendor_sharedlib.v;
	struct strv libdirs = {0};
	strv_push(&libdirs, path_join(j->prefix, "lib"));
	struct wheel_post_opts wo = {
		.name = r->package.name.s, .version = r->package.version.s, .target = &t,
		.work_dir = scratch, .dist_dir = j->stage,
		.unvendor_tests = !r->build.unvendor_tests.set || r->build.unvendor_tests.v,
		.retain_test_patterns = &retain,
		.post = r->build.post.s && *r->build.post.s ? run_post : NULL, .post_ctx = j,
		.lib_dirs = vendor ? &libdirs : NULL,
	};
	struct wheel_post_result res = {0};
	bool ok = wheel_postprocess(j->wheeldir, &wo, &res);
	free(scratch);
	free(pytag);
	strv_free(&retain);
	strv_free(&libdirs);
	ok = ok && pkgbuild_check_wheel(ce, j->src, &res) && package_entries(j, &res, entries);
	wheel_post_result_free(&res);
	return ok;
}

static bool build_wheel_source(struct job *j, struct lock_pkgs *entries)
{
	const struct recipe *r = j->pkg->r;
	const char *archive = j->pkg->archive;
	struct wheel *w = wheel_check(archive);
	if (!w)
		return false;
	bool ok = strcmp(w->meta.version, r->package.version.s) == 0;
	if (!ok)
		log_err("the wheel's version %s differs from the recipe's version %s",
			w->meta.version, r->package.version.s);
	char *dest = path_join(j->stage, path_basename(archive));
	const char *argv[] = {"cp", archive, dest, NULL};
	ok = ok && copy(argv, j->log);
	if (ok && wheel_has_compiled_modules(w))
		ok = pkgbuild_abi_check(&j->plan->ce, dest);
	ok = ok && add_entry(j, LOCK_PACKAGE, dest, entries);
	free(dest);
	wheel_free(w);
	return ok;
}

static bool build_shared_library(struct job *j, struct lock_pkgs *entries)
{
	const struct recipe *r = j->pkg->r;
	struct wheel *files = wheel_read_tree(j->distdir);
	if (!files)
		return false;
	bool ok = files->n > 0;
	if (!ok)
		log_err("the build script installed nothing into $DISTDIR (%s)", j->distdir);
	char *name = xasprintf("%s-%s.zip", r->package.name.s, r->package.version.s);
	char *zip = path_join(j->stage, name);
	ok = ok && wheel_write_zip(files, zip) && pkgbuild_abi_check(&j->plan->ce, zip) &&
		add_entry(j, LOCK_SHARED_LIBRARY, zip, entries);
	free(name);
	free(zip);
	wheel_free(files);
	return ok;
}

/* entry.json, then the stage becomes the cache entry */
static bool publish(struct job *j, const struct lock_pkgs *entries)
{
	const struct recipe *r = j->pkg->r;
	char *text = lock_pkgs_render(entries, r->package.name.s, r->package.version.s,
		recipe_type_name(r->build.type));
	char *path = path_join(j->stage, CACHE_ENTRY_META);
	bool ok = write_file_atomic(path, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", path, strerror(errno));
	free(path);
	free(text);
	char *entry = ok ? cache_publish(j->plan->cache, r->norm_name, &j->pkg->key, j->stage) : NULL;
	ok = entry != NULL;
	free(entry);
	return ok;
}

/* ---------- before the build: tools, prefix, environment, source ---------- */

static bool have_executables(const struct recipe *r)
{
	for (size_t i = 0; i < r->requirements.executable.n; i++) {
		if (pkgbuild_rust_executable(r->requirements.executable.v[i].s))
			continue; /* provided by kiln's Rust environment (make_env) */
		char *found = proc_which(r->requirements.executable.v[i].s, NULL);
		if (!found) {
			log_err("requirements.executable: %s is not on PATH",
				r->requirements.executable.v[i].s);
			return false;
		}
		free(found);
	}
	return true;
}

/* the target library prefix: what the host closure installed; then the snapshot */
static bool make_prefix(struct job *j, struct snap *before)
{
	const struct plan *p = j->plan;
	const struct plan_pkg *pkg = j->pkg;
	for (size_t i = 0; pkg->closure && i < p->g.n; i++) {
		if (!pkg->closure[i] || p->pkg_of_node[i] < 0)
			continue;
		const struct plan_pkg *d = &p->pkgs[p->pkg_of_node[i]];
		char *pre = d->entry ? path_join(d->entry, "prefix") : NULL;
		bool copied = !pre || copy_tree(pre, j->prefix);
		free(pre);
		if (!copied)
			return false;
	}
	if (!mkdir_p(j->prefix, 0755) || !mkdir_p(j->distdir, 0755) ||
	    !mkdir_p(j->wheeldir, 0755)) {
		log_err("cannot create the build directories in %s: %s", j->work, strerror(errno));
		return false;
	}
	walk_tree(j->prefix, snap_entry, before);
	return true;
}

static char *export_policy(const struct recipe *r)
{
	struct buf b = {0};
	if (r->build.exports == RECIPE_EXPORTS_LIST)
		for (size_t i = 0; i < r->build.exports_list.n; i++)
			buf_printf(&b, "%s%s", i ? "," : "", r->build.exports_list.v[i].s);
	else
		buf_puts(&b, r->build.exports == RECIPE_EXPORTS_REQUESTED ? "requested"
			: r->build.exports == RECIPE_EXPORTS_WHOLE_ARCHIVE ? "whole_archive" : "pyinit");
	return buf_take(&b);
}

static const char *lookup_var(const char *name, void *ctx)
{
	return pkgbuild_getenv(ctx, name);
}

/* the build environment; then $(VAR) in url, sha256 and flags, validated after substitution */
static bool make_env(struct job *j)
{
	const struct recipe *r = j->pkg->r;
	char *policy = export_policy(r);
	pkgbuild_env(&j->plan->ce, j->prefix, policy, &j->env);
	free(policy);
	bool rust = false;
	for (size_t i = 0; i < r->requirements.executable.n; i++)
		rust |= pkgbuild_rust_executable(r->requirements.executable.v[i].s);
	if (rust && !pkgbuild_rust_env(&j->plan->ce, &j->env))
		return false;
	/* the Fortran driver in the build finds its runtime through these */
	pkgbuild_setenv(&j->env, "KILN_CACHE", j->plan->cache);
	const char *passed[] = {"KILN_FORTRAN_RUNTIME", "KILN_IRFIX", "KILN_IRFIX_DISABLE"};
	for (size_t i = 0; i < ARRAY_LEN(passed); i++)
		if (getenv(passed[i]))
			pkgbuild_setenv(&j->env, passed[i], getenv(passed[i]));
	char *jobs = xasprintf("%u", j->plan->slots);
	pkgbuild_setenv(&j->env, "PKGDIR", r->dir);
	pkgbuild_setenv(&j->env, "PKG_VERSION", r->package.version.s);
	pkgbuild_setenv(&j->env, "PKG_BUILD_DIR", j->src);
	pkgbuild_setenv(&j->env, "DISTDIR", j->distdir);
	pkgbuild_setenv(&j->env, "PYODIDE_JOBS", jobs);
	pkgbuild_setenv(&j->env, "MAKEFLAGS", j->makeflags);
	free(jobs);
	struct diags d = {0};
	bool ok = recipe_substitute(j->pkg->r, lookup_var, &j->env, &d);
	if (!ok) {
		char *text = diags_render(&d);
		log_err("%s", text);
		free(text);
	}
	diags_free(&d);
	return ok;
}

/* the source tree: the unpacked, patched archive or a copy of the recipe's path */
static bool make_source(struct job *j)
{
	const struct recipe *r = j->pkg->r;
	if (r->source.path.set && !r->source.url.set) {
		char *from = path_join(r->dir, r->source.path.s);
		bool copied = copy_tree(from, j->src);
		free(from);
		return copied;
	}
	if (!r->source.url.set)
		return true;
	struct srctree_extra *ex = xcalloc(r->source.n_extras + 1, sizeof(*ex));
	const char **patches = xcalloc(r->source.patches.n + 1, sizeof(*patches));
	for (size_t i = 0; i < r->source.n_extras; i++) {
		ex[i].src = r->source.extras[i].src.s;
		ex[i].dst = r->source.extras[i].dst.s;
	}
	for (size_t i = 0; i < r->source.patches.n; i++)
		patches[i] = r->source.patches.v[i].s;
	log_info("unpacking %s", j->pkg->archive);
	bool ok = srctree_prepare(j->pkg->archive, j->src,
		r->source.extract_dir.set ? r->source.extract_dir.s : NULL,
		patches, r->source.patches.n, ex, r->source.n_extras, r->dir);
	free(ex);
	free(patches);
	return ok;
}

/* ---------- the build ---------- */

static bool build_by_type(struct job *j, struct lock_pkgs *entries, const struct snap *before)
{
	const struct recipe *r = j->pkg->r;
	if (!make_source(j) || !step(j, "build.script", r->build.script.s, j->src))
		return false;
	switch (r->build.type) {
	case RECIPE_PACKAGE:
	case RECIPE_CPYTHON_MODULE:
		return build_package(j, entries);
	case RECIPE_SHARED_LIBRARY:
		return build_shared_library(j, entries) && stage_prefix(j, before);
	case RECIPE_STATIC_LIBRARY:
		return stage_prefix(j, before);
	}
	return false;
}

static bool build(struct job *j)
{
	const struct recipe *r = j->pkg->r;
	struct snap before = {0};
	struct lock_pkgs entries = {0};
	bool ok = have_executables(r) && make_prefix(j, &before) && make_env(j);
	if (ok && r->source.url.set && recipe_is_wheel(r))
		ok = build_wheel_source(j, &entries);
	else if (ok)
		ok = build_by_type(j, &entries, &before);
	ok = ok && publish(j, &entries);
	lock_pkgs_free(&entries);
	strv_free(&before.lines);
	return ok;
}

/* under the work directory's lock: another kiln process on this cache may be building
 * the same package there; wait for it, then take its entry if it made ours */
static bool job_main(void *ctx)
{
	struct job *j = ctx;
	const struct plan_pkg *pkg = j->pkg;
	const char *name = pkg->r->norm_name;
	j->work = xasprintf("%s/%s", j->plan->work, name);
	j->src = path_join(j->work, "src");
	j->prefix = path_join(j->work, "prefix");
	j->distdir = path_join(j->work, "dist");
	j->wheeldir = path_join(j->work, "wheel");
	char *logpath = path_join(j->work, "build.log");
	char *lockpath = xasprintf("%s.lock", j->work);
	int lfd = mkdir_p(j->plan->work, 0755) ? open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644)
		: -1;
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		log_err("%s: cannot lock %s: %s", name, lockpath, strerror(errno));
		return false;
	}
	char *entry = cache_lookup(j->plan->cache, name, &pkg->key);
	bool made = entry != NULL;
	free(entry);
	if (made)
		return true;
	if (!remove_tree(j->work) || !mkdir_p(j->work, 0755)) {
		log_err("%s: cannot prepare %s: %s", name, j->work, strerror(errno));
		return false;
	}
	j->log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (j->log < 0) {
		log_err("%s: cannot create %s: %s", name, logpath, strerror(errno));
		return false;
	}
	log_to_fd(j->log);
	log_set_level(LOG_DEBUG);
	log_info("building %s %s (key %s)", pkg->r->package.name.s, pkg->r->package.version.s,
		pkg->key.hex);
	int stage_lock;
	j->stage = cache_stage(j->plan->cache, name, &stage_lock);
	bool ok = j->stage && build(j);
	if (j->stage && path_exists(j->stage))
		remove_tree(j->stage);
	if (stage_lock >= 0)
		close(stage_lock);
	log_info("%s", ok ? "done" : "failed");
	return ok;
}

pid_t job_start(const struct plan *p, const struct plan_pkg *pkg,
	const struct sched_jobserver *js, double step_timeout)
{
	struct job j = {.plan = p, .pkg = pkg, .makeflags = js->makeflags, .timeout = step_timeout,
		.log = -1};
	char *what = xasprintf("a build of %s", pkg->r->norm_name);
	pid_t pid = proc_fork(what, job_main, &j);
	free(what);
	return pid;
}

#include "build/build.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "build/backend.h"
#include "build/cache.h"
#include "build/extract.h"
#include "build/fetch.h"
#include "build/pkgbuild.h"
#include "build/scheduler.h"
#include "recipe/graph.h"
#include "recipe/recipe.h"
#include "toolchain/crossenv.h"
#include "toolchain/crossenv_setup.h"
#include "version.h"

/* The file in a cache entry that says what the entry holds: artifacts for
 * dist/ and their lockfile entries. */
#define ENTRY_META "entry.json"

struct pkg {
	size_t node;           /* graph node */
	struct recipe *r;
	struct cache_key key;
	char *entry;           /* published cache entry, once there is one */
	char *archive;         /* fetched source file */
	bool *closure;         /* host closure (graph size), NULL when empty */
	bool build;            /* needs building */
	bool failed;
	size_t job;            /* index into jobs when build */
	char *explain;
};

struct ctx {
	const struct build_opts *o;
	struct graph g;
	struct crossenv ce;
	char *cache;           /* absolute */
	char *work;            /* <cache>/work */
	struct pkg *pkgs;      /* in build order */
	size_t n;
	long *pkg_of_node;     /* graph node -> pkg index or -1 */
	struct sched_job *jobs;
	size_t njobs;
	size_t **deps;
	unsigned slots;
	bool tty;
	size_t status_len;
};

/* ---------- output of the parent ---------- */

static void json_event(const char *event, const char *pkg, const char *status,
	double seconds, const char *detail)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", event);
	if (pkg)
		cJSON_AddStringToObject(o, "package", pkg);
	if (status)
		cJSON_AddStringToObject(o, "status", status);
	if (seconds >= 0)
		cJSON_AddNumberToObject(o, "seconds", (double)(long)(seconds * 1000) / 1000);
	if (detail)
		cJSON_AddStringToObject(o, "detail", detail);
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		printf("%s\n", s);
		fflush(stdout);
		cJSON_free(s);
	}
	cJSON_Delete(o);
}

static void clear_status(struct ctx *c)
{
	if (c->tty && c->status_len) {
		fprintf(stderr, "\r\033[K");
		c->status_len = 0;
	}
}

static void say(struct ctx *c, const char *fmt, ...) KILN_PRINTF(2, 3);
static void say(struct ctx *c, const char *fmt, ...)
{
	if (c->o->log_style == BUILD_LOG_JSON)
		return;
	clear_status(c);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_status(size_t done, size_t total, const char *name, size_t running,
	double elapsed, void *p)
{
	struct ctx *c = p;
	if (c->o->log_style == BUILD_LOG_JSON) {
		if (name)
			json_event("start", name, NULL, -1, NULL);
		return;
	}
	if (!c->tty && !name)
		return;
	unsigned secs = (unsigned)elapsed;
	char line[256];
	int n = snprintf(line, sizeof(line), "[%zu/%zu] %s%s (%zu running, %um%02us)", done, total,
		name ? "building " : "", name ? name : "waiting", running, secs / 60, secs % 60);
	if (c->tty) {
		fprintf(stderr, "\r\033[K%s", line);
		c->status_len = n > 0 ? (size_t)n : 0;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

/* ---------- keys ---------- */

static bool compute_key(struct ctx *c, struct pkg *p)
{
	const struct recipe *r = p->r;
	struct cache_key *k = &p->key;
	cache_key_add(k, "kiln", KILN_VERSION, strlen(KILN_VERSION));
	if (!cache_key_add_file(k, "recipe", r->file))
		return false;
	for (size_t i = 0; i < r->source.patches.n; i++) {
		char *path = path_join(r->dir, r->source.patches.v[i].s);
		char *label = xasprintf("patch:%s", r->source.patches.v[i].s);
		bool ok = cache_key_add_file(k, label, path);
		free(label);
		free(path);
		if (!ok)
			return false;
	}
	for (size_t i = 0; i < r->source.n_extras; i++) {
		char *path = path_join(r->dir, r->source.extras[i].src.s);
		char *label = xasprintf("extra:%s", r->source.extras[i].src.s);
		bool ok = cache_key_add_file(k, label, path);
		free(label);
		free(path);
		if (!ok)
			return false;
	}
	if (r->source.url.set) {
		cache_key_add_hash(k, "source", r->source.sha256.s);
	} else if (r->source.path.set) {
		char *path = path_join(r->dir, r->source.path.s);
		bool ok = cache_key_add_tree(k, "source", path);
		free(path);
		if (!ok)
			return false;
	}
	cache_key_add(k, "crossenv", c->ce.id, strlen(c->ce.id));
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch)
		cache_key_add(k, "SOURCE_DATE_EPOCH", epoch, strlen(epoch));
	if (p->closure)
		for (size_t i = 0; i < c->g.n; i++) {
			if (!p->closure[i] || c->pkg_of_node[i] < 0)
				continue;
			const struct pkg *d = &c->pkgs[c->pkg_of_node[i]];
			char *label = xasprintf("hostdep:%s", d->r->norm_name);
			cache_key_add_hash(k, label, d->key.hex);
			free(label);
		}
	cache_key_final(k);
	return true;
}

/* ---------- one package, in its own process ---------- */

struct child {
	struct ctx *c;
	struct pkg *p;
	const struct sched_jobserver *js;
	char *work, *src, *prefix, *distdir, *wheeldir, *stage;
	struct strv env;
	int log;
};

static void to_log(enum log_level lvl, const char *msg, void *ctx)
{
	struct child *ch = ctx;
	dprintf(ch->log, "kiln: %s%s\n",
		lvl == LOG_ERROR ? "error: " : lvl == LOG_WARN ? "warning: " : "", msg);
}

static bool step(struct child *ch, const char *what, const char *script, const char *cwd)
{
	if (!script || !*script)
		return true;
	dprintf(ch->log, "kiln: running %s\n", what);
	struct strv out = {0};
	struct proc_opts po = {.cwd = cwd, .env = ch->env.v, .out_fd = ch->log,
		.timeout = ch->c->o->step_timeout};
	int st = 0;
	bool ok = proc_bash(script, &po, &st, &out);
	if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *why = proc_describe(st);
		log_err("%s failed (%s)", what, why);
		free(why);
		ok = false;
	}
	if (ok) {
		strv_free(&ch->env);
		ch->env = out;
	} else {
		strv_free(&out);
	}
	return ok;
}

/* what a library build added to its prefix: files compared by size and
 * modification time with the snapshot taken before the build */
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
	struct proc_opts po = {.out_fd = -1};
	int status = 0;
	a->ok = mkdir_p(dir, 0755) && proc_run(argv, &po, &status) && WIFEXITED(status) &&
		WEXITSTATUS(status) == 0;
	if (!a->ok)
		log_err("cannot copy %s into the cache", from);
	a->count++;
	free(from);
	free(to);
	free(dir);
	return a->ok;
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
	struct proc_opts po = {.out_fd = -1};
	int st = 0;
	bool ok = proc_run(argv, &po, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok)
		log_err("cannot copy %s to %s", from, to);
	free(src);
	return ok;
}

static bool run_post(const char *wheel_dir, void *p)
{
	struct child *ch = p;
	return step(ch, "build.post", ch->p->r->build.post.s, wheel_dir);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddStringToObject(o, k, v ? v : "");
}

static cJSON *strv_json(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return a;
}

static cJSON *pkg_json(const struct lock_pkg *l)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "name", l->name);
	add_str(o, "version", l->version);
	add_str(o, "file_name", l->file_name);
	add_str(o, "install_dir", l->install_dir);
	add_str(o, "sha256", l->sha256);
	add_str(o, "package_type", l->package_type);
	cJSON_AddItemToObject(o, "imports", strv_json(&l->imports));
	cJSON_AddItemToObject(o, "depends", strv_json(&l->depends));
	cJSON_AddBoolToObject(o, "unvendored_tests", l->unvendored_tests);
	cJSON_AddBoolToObject(o, "shared_library", l->shared_library);
	return o;
}

static void json_strv(const cJSON *a, struct strv *out)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			strv_add(out, e->valuestring);
}

static bool json_pkg(const cJSON *o, struct lock_pkg *l)
{
	const char *keys[] = {"name", "version", "file_name", "install_dir", "sha256",
		"package_type"};
	char **dst[] = {&l->name, &l->version, &l->file_name, &l->install_dir, &l->sha256,
		&l->package_type};
	*l = (struct lock_pkg){0};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (!cJSON_IsString(v)) {
			lock_pkg_free(l);
			return false;
		}
		*dst[i] = xstrdup(v->valuestring);
	}
	json_strv(cJSON_GetObjectItemCaseSensitive(o, "imports"), &l->imports);
	json_strv(cJSON_GetObjectItemCaseSensitive(o, "depends"), &l->depends);
	l->unvendored_tests = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "unvendored_tests"));
	l->shared_library = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "shared_library"));
	return true;
}

/* lockfile fields every artifact of a recipe shares */
static void recipe_deps(const struct recipe *r, struct strv *depends)
{
	for (size_t i = 0; i < r->requirements.run.n; i++) {
		char *n = recipe_normalize(r->requirements.run.v[i].s);
		if (!strv_has(depends, n))
			strv_push(depends, n);
		else
			free(n);
	}
}

static void recipe_imports(const struct recipe *r, struct strv *imports)
{
	for (size_t i = 0; i < r->package.top_level.n; i++)
		strv_add(imports, r->package.top_level.v[i].s);
	if (!r->package.top_level.n)
		strv_add(imports, r->package.name.s);
}

static bool write_entry(struct child *ch, cJSON *pkgs)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "name", ch->p->r->package.name.s);
	cJSON_AddStringToObject(root, "version", ch->p->r->package.version.s);
	cJSON_AddStringToObject(root, "type", recipe_type_name(ch->p->r->build.type));
	cJSON_AddItemToObject(root, "packages", pkgs);
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	char *path = path_join(ch->stage, ENTRY_META);
	bool ok = write_file_atomic(path, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", path, strerror(errno));
	free(path);
	cJSON_free(text);
	return ok;
}

static bool file_sha(const char *path, char out[65])
{
	if (hash_sha256_file(path, out))
		return true;
	log_err("cannot read %s: %s", path, strerror(errno));
	return false;
}

static bool build_package(struct child *ch, cJSON *pkgs)
{
	const struct recipe *r = ch->p->r;
	const struct crossenv *ce = &ch->c->ce;
	if (!step(ch, "build.cross-script", r->build.cross_script.s, ch->src))
		return false;
	pkgbuild_flags(&ch->env, ch->prefix, r->build.cflags.s, r->build.cxxflags.s,
		r->build.ldflags.s);
	struct backend_opts bo = {
		.python = ce->host_python, .srcdir = ch->src, .outdir = ch->wheeldir,
		.backend_flags = r->build.backend_flags.s, .env = ch->env.v, .log_fd = ch->log,
		.timeout = ch->c->o->step_timeout,
	};
	dprintf(ch->log, "kiln: running the PEP 517 build\n");
	if (!backend_build_wheel(&bo))
		return false;
	struct wheel_target t;
	char *pytag = pkgbuild_target(ce, &t);
	struct strv retain = {0};
	for (size_t i = 0; i < r->build.retain_test_patterns.n; i++)
		strv_add(&retain, r->build.retain_test_patterns.v[i].s);
	char *scratch = path_join(ch->work, "post");
	struct wheel_post_opts wo = {
		.name = r->package.name.s, .version = r->package.version.s, .target = &t,
		.work_dir = scratch, .dist_dir = ch->stage,
		.unvendor_tests = !r->build.unvendor_tests.set || r->build.unvendor_tests.v,
		.retain_test_patterns = &retain,
		.post = r->build.post.s && *r->build.post.s ? run_post : NULL, .post_ctx = ch,
	};
	struct wheel_post_result res = {0};
	bool ok = wheel_postprocess(ch->wheeldir, &wo, &res);
	free(scratch);
	free(pytag);
	strv_free(&retain);
	if (!ok)
		return false;
	ok = pkgbuild_check_wheel(ce, ch->src, &res);
	char sha[65];
	if (ok && (ok = file_sha(res.wheel_path, sha))) {
		struct lock_pkg l = {0};
		l.name = xstrdup(r->package.name.s);
		l.version = xstrdup(r->package.version.s);
		l.file_name = xstrdup(path_basename(res.wheel_path));
		l.install_dir = xstrdup("site");
		l.sha256 = xstrdup(sha);
		l.package_type = xstrdup(r->build.type == RECIPE_CPYTHON_MODULE ? "cpython_module"
										: "package");
		recipe_imports(r, &l.imports);
		recipe_deps(r, &l.depends);
		l.unvendored_tests = res.tests_path != NULL;
		cJSON_AddItemToArray(pkgs, pkg_json(&l));
		if (res.tests_path && (ok = file_sha(res.tests_path, sha))) {
			struct lock_pkg tl = {0};
			lock_pkg_tests(&tl, &l, path_basename(res.tests_path), sha);
			cJSON_AddItemToArray(pkgs, pkg_json(&tl));
			lock_pkg_free(&tl);
		}
		lock_pkg_free(&l);
	}
	wheel_post_result_free(&res);
	return ok;
}

static bool build_wheel_source(struct child *ch, cJSON *pkgs)
{
	const struct recipe *r = ch->p->r;
	struct wheel *w = wheel_check(ch->p->archive);
	if (!w)
		return false;
	bool ok = strcmp(w->meta.version, r->package.version.s) == 0;
	if (!ok)
		log_err("the wheel's version %s differs from the recipe's version %s",
			w->meta.version, r->package.version.s);
	char *dest = path_join(ch->stage, path_basename(ch->p->archive));
	const char *argv[] = {"cp", ch->p->archive, dest, NULL};
	struct proc_opts po = {.out_fd = ch->log};
	int st = 0;
	if (ok)
		ok = proc_run(argv, &po, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (ok && wheel_has_compiled_modules(w))
		ok = pkgbuild_abi_check(&ch->c->ce, dest);
	char sha[65];
	if (ok && (ok = file_sha(dest, sha))) {
		struct lock_pkg l = {0};
		l.name = xstrdup(r->package.name.s);
		l.version = xstrdup(r->package.version.s);
		l.file_name = xstrdup(path_basename(dest));
		l.install_dir = xstrdup("site");
		l.sha256 = xstrdup(sha);
		l.package_type = xstrdup("package");
		recipe_imports(r, &l.imports);
		recipe_deps(r, &l.depends);
		cJSON_AddItemToArray(pkgs, pkg_json(&l));
		lock_pkg_free(&l);
	}
	free(dest);
	wheel_free(w);
	return ok;
}

static bool build_shared_library(struct child *ch, cJSON *pkgs)
{
	const struct recipe *r = ch->p->r;
	struct wheel *files = wheel_read_tree(ch->distdir);
	if (!files)
		return false;
	bool ok = files->n > 0;
	if (!ok)
		log_err("the build script installed nothing into $DISTDIR (%s)", ch->distdir);
	char *name = xasprintf("%s-%s.zip", r->package.name.s, r->package.version.s);
	char *zip = path_join(ch->stage, name);
	if (ok)
		ok = wheel_write_zip(files, zip);
	if (ok)
		ok = pkgbuild_abi_check(&ch->c->ce, zip);
	char sha[65];
	if (ok && (ok = file_sha(zip, sha))) {
		struct lock_pkg l = {0};
		struct strv deps = {0};
		recipe_deps(r, &deps);
		lock_pkg_shared_library(&l, r->package.name.s, r->package.version.s, name, sha, &deps);
		cJSON_AddItemToArray(pkgs, pkg_json(&l));
		lock_pkg_free(&l);
		strv_free(&deps);
	}
	free(name);
	free(zip);
	wheel_free(files);
	return ok;
}

static const char *lookup_var(const char *name, void *ctx)
{
	return pkgbuild_getenv(ctx, name);
}

static bool child_build(struct child *ch)
{
	struct pkg *p = ch->p;
	const struct recipe *r = p->r;
	struct ctx *c = ch->c;
	bool ok = false;
	struct snap before = {0};
	cJSON *pkgs = cJSON_CreateArray();

	for (size_t i = 0; i < r->requirements.executable.n; i++) {
		char *found = proc_which(r->requirements.executable.v[i].s, NULL);
		if (!found) {
			log_err("requirements.executable: %s is not on PATH",
				r->requirements.executable.v[i].s);
			goto out;
		}
		free(found);
	}

	/* the target library prefix: what the host closure installed */
	if (p->closure)
		for (size_t i = 0; i < c->g.n; i++) {
			if (!p->closure[i] || c->pkg_of_node[i] < 0)
				continue;
			struct pkg *d = &c->pkgs[c->pkg_of_node[i]];
			char *pre = d->entry ? path_join(d->entry, "prefix") : NULL;
			bool copied = !pre || copy_tree(pre, ch->prefix);
			free(pre);
			if (!copied)
				goto out;
		}
	if (!mkdir_p(ch->prefix, 0755) || !mkdir_p(ch->distdir, 0755) ||
	    !mkdir_p(ch->wheeldir, 0755)) {
		log_err("cannot create the build directories in %s: %s", ch->work, strerror(errno));
		goto out;
	}
	walk_tree(ch->prefix, snap_entry, &before);

	/* the build environment */
	struct buf exports = {0};
	if (r->build.exports == RECIPE_EXPORTS_LIST)
		for (size_t i = 0; i < r->build.exports_list.n; i++)
			buf_printf(&exports, "%s%s", i ? "," : "", r->build.exports_list.v[i].s);
	else
		buf_puts(&exports, r->build.exports == RECIPE_EXPORTS_REQUESTED ? "requested"
			: r->build.exports == RECIPE_EXPORTS_WHOLE_ARCHIVE ? "whole_archive" : "pyinit");
	char *policy = buf_take(&exports);
	pkgbuild_env(&c->ce, ch->prefix, policy, &ch->env);
	free(policy);
	char *jobs = xasprintf("%u", c->slots);
	/* the Fortran driver in the build finds its runtime through these */
	const char *passed[] = {"KILN_CACHE", "KILN_FORTRAN_RUNTIME", "KILN_IRFIX",
		"KILN_IRFIX_DISABLE"};
	for (size_t i = 0; i < ARRAY_LEN(passed); i++)
		if (getenv(passed[i]))
			pkgbuild_setenv(&ch->env, passed[i], getenv(passed[i]));
	pkgbuild_setenv(&ch->env, "PKGDIR", r->dir);
	pkgbuild_setenv(&ch->env, "PKG_VERSION", r->package.version.s);
	pkgbuild_setenv(&ch->env, "PKG_BUILD_DIR", ch->src);
	pkgbuild_setenv(&ch->env, "DISTDIR", ch->distdir);
	pkgbuild_setenv(&ch->env, "PYODIDE_JOBS", jobs);
	pkgbuild_setenv(&ch->env, "MAKEFLAGS", ch->js->makeflags);
	free(jobs);

	/* $(VAR) in url, sha256 and flags, validated after substitution */
	struct diags d = {0};
	if (!recipe_substitute(p->r, lookup_var, &ch->env, &d)) {
		char *text = diags_render(&d);
		log_err("%s", text);
		free(text);
		diags_free(&d);
		goto out;
	}
	diags_free(&d);

	/* the source tree */
	if (r->source.url.set && recipe_is_wheel(r)) {
		ok = build_wheel_source(ch, pkgs);
		goto publish;
	}
	if (r->source.url.set) {
		struct extract_extra *ex = xcalloc(r->source.n_extras + 1, sizeof(*ex));
		const char **patches = xcalloc(r->source.patches.n + 1, sizeof(*patches));
		for (size_t i = 0; i < r->source.n_extras; i++) {
			ex[i].src = r->source.extras[i].src.s;
			ex[i].dst = r->source.extras[i].dst.s;
		}
		for (size_t i = 0; i < r->source.patches.n; i++)
			patches[i] = r->source.patches.v[i].s;
		dprintf(ch->log, "kiln: unpacking %s\n", p->archive);
		bool prepared = extract_prepare_source(p->archive, ch->src,
			r->source.extract_dir.set ? r->source.extract_dir.s : NULL,
			patches, r->source.patches.n, ex, r->source.n_extras, r->dir);
		free(ex);
		free(patches);
		if (!prepared)
			goto out;
	} else if (r->source.path.set) {
		char *from = path_join(r->dir, r->source.path.s);
		bool copied = copy_tree(from, ch->src);
		free(from);
		if (!copied)
			goto out;
	}

	if (!step(ch, "build.script", r->build.script.s, ch->src))
		goto out;

	switch (r->build.type) {
	case RECIPE_PACKAGE:
	case RECIPE_CPYTHON_MODULE:
		ok = build_package(ch, pkgs);
		break;
	case RECIPE_SHARED_LIBRARY:
		ok = build_shared_library(ch, pkgs);
		break;
	case RECIPE_STATIC_LIBRARY:
		ok = true;
		break;
	}
	if (ok && (r->build.type == RECIPE_STATIC_LIBRARY ||
		      r->build.type == RECIPE_SHARED_LIBRARY)) {
		char *own = path_join(ch->stage, "prefix");
		struct added a = {.before = &before, .root = ch->prefix, .dest = own, .ok = true};
		ok = walk_tree(ch->prefix, added_entry, &a) && a.ok;
		if (ok && !a.count && r->build.type == RECIPE_STATIC_LIBRARY) {
			log_err("the build script installed nothing into $WASM_LIBRARY_DIR (%s)",
				ch->prefix);
			ok = false;
		}
		free(own);
	}
publish:
	if (ok)
		ok = write_entry(ch, pkgs);
	pkgs = NULL;
	if (ok) {
		char *entry = cache_publish(c->cache, r->norm_name, &p->key, ch->stage);
		ok = entry != NULL;
		free(entry);
	}
out:
	cJSON_Delete(pkgs);
	strv_free(&before.lines);
	return ok;
}

/* runs in the forked child: never returns */
static void child_main(struct ctx *c, struct pkg *p, const struct sched_jobserver *js)
{
	struct child ch = {.c = c, .p = p, .js = js};
	setpgid(0, 0);
	proc_forward_signals();
	ch.work = xasprintf("%s/%s", c->work, p->r->norm_name);
	ch.src = path_join(ch.work, "src");
	ch.prefix = path_join(ch.work, "prefix");
	ch.distdir = path_join(ch.work, "dist");
	ch.wheeldir = path_join(ch.work, "wheel");
	char *logpath = path_join(ch.work, "build.log");
	/* another kiln process on this cache may be building the same package in the
	 * same work directory: wait for it, then take its entry if it made ours */
	char *lockpath = xasprintf("%s.lock", ch.work);
	int lfd = mkdir_p(c->work, 0755) ? open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		log_err("%s: cannot lock %s: %s", p->r->norm_name, lockpath, strerror(errno));
		_exit(1);
	}
	char *entry = cache_lookup(c->cache, p->r->norm_name, &p->key);
	if (entry)
		_exit(0);
	if (!remove_tree(ch.work) || !mkdir_p(ch.work, 0755)) {
		log_err("%s: cannot prepare %s: %s", p->r->norm_name, ch.work, strerror(errno));
		_exit(1);
	}
	ch.log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (ch.log < 0) {
		log_err("%s: cannot create %s: %s", p->r->norm_name, logpath, strerror(errno));
		_exit(1);
	}
	log_set_sink(to_log, &ch);
	log_set_level(LOG_DEBUG);
	dprintf(ch.log, "kiln: building %s %s (key %s)\n", p->r->package.name.s,
		p->r->package.version.s, p->key.hex);
	int stage_lock;
	ch.stage = cache_stage(c->cache, p->r->norm_name, &stage_lock);
	bool ok = ch.stage && child_build(&ch);
	if (ch.stage && path_exists(ch.stage))
		remove_tree(ch.stage);
	if (stage_lock >= 0)
		close(stage_lock);
	dprintf(ch.log, "kiln: %s\n", ok ? "done" : "failed");
	_exit(ok ? 0 : 1);
}

/* the package that scheduler job i builds, or NULL */
static struct pkg *pkg_of_job(struct ctx *c, size_t i)
{
	struct pkg *pkg = NULL;
	for (size_t k = 0; k < c->n; k++)
		if (c->pkgs[k].build && c->pkgs[k].job == i)
			pkg = &c->pkgs[k];
	return pkg;
}

static pid_t start_job(size_t i, const struct sched_jobserver *js, void *p)
{
	struct ctx *c = p;
	struct pkg *pkg = pkg_of_job(c, i);
	if (!pkg)
		return -1;
	if (pkg->failed) {
		log_err("%s: not built: its source could not be fetched", pkg->r->norm_name);
		return -1;
	}
	/* dependencies built in this run have entries now */
	if (pkg->closure)
		for (size_t k = 0; k < c->g.n; k++) {
			if (!pkg->closure[k] || c->pkg_of_node[k] < 0)
				continue;
			struct pkg *d = &c->pkgs[c->pkg_of_node[k]];
			if (!d->entry)
				d->entry = cache_lookup(c->cache, d->r->norm_name, &d->key);
		}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		log_err("cannot start a build of %s: %s", pkg->r->norm_name, strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_main(c, pkg, js);
	setpgid(pid, pid);
	return pid;
}

static void log_tail(struct ctx *c, const char *path, size_t lines)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return;
	clear_status(c);
	fputs(str_last_lines(text, len, lines), stderr);
	if (len && text[len - 1] != '\n')
		fputc('\n', stderr);
	free(text);
}

static void on_finished(size_t i, void *p)
{
	struct ctx *c = p;
	struct pkg *pkg = pkg_of_job(c, i);
	if (!pkg)
		return;
	const struct sched_job *j = &c->jobs[i];
	char *logpath = xasprintf("%s/%s/build.log", c->work, pkg->r->norm_name);
	if (j->state == SCHED_DONE) {
		pkg->entry = cache_lookup(c->cache, pkg->r->norm_name, &pkg->key);
		char *dur = xasprintf("%s/builds/%s/duration", c->cache, pkg->r->norm_name);
		char *v = xasprintf("%.3f\n", j->seconds);
		write_file_atomic(dur, v, strlen(v));
		free(v);
		free(dur);
		if (c->o->log_style == BUILD_LOG_JSON)
			json_event("finished", pkg->r->norm_name, "ok", j->seconds, NULL);
	} else {
		pkg->failed = true;
		char *why = proc_describe(j->status);
		if (c->o->log_style == BUILD_LOG_JSON) {
			json_event("finished", pkg->r->norm_name, "failed", j->seconds, logpath);
		} else {
			say(c, "FAILED: %s (%s); the last lines of %s:", pkg->r->norm_name, why, logpath);
			log_tail(c, logpath, 25);
		}
		free(why);
	}
	free(logpath);
}

static double recorded_weight(struct ctx *c, const struct pkg *p)
{
	char *path = xasprintf("%s/builds/%s/duration", c->cache, p->r->norm_name);
	char *text = read_file(path, NULL);
	free(path);
	double w = text ? strtod(text, NULL) : 0;
	free(text);
	if (w > 0)
		return w;
	/* unknown: libraries and compiled packages take longer than pure ones */
	return p->r->build.type == RECIPE_PACKAGE && !p->r->build.script.set ? 5 : 30;
}

/* ---------- the parent ---------- */

static bool load_graph(struct ctx *c, struct graph_plan *plan)
{
	struct diags d = {0};
	char *lock = c->ce.pyodide_dir ? path_join(c->ce.pyodide_dir, "pyodide-lock.json") : NULL;
	bool ok = graph_load_all(&c->g, c->o->recipes_dir, lock, true, &d);
	free(lock);
	if (d.n)
		clear_status(c);
	ok = diags_show(&d, c->o->recipes_dir) && ok;
	diags_free(&d);
	return ok && graph_plan(&c->g, c->o->selection, c->o->n_selection, plan);
}

static bool fetch_sources(struct ctx *c)
{
	struct fetch_item *items = xcalloc(c->n + 1, sizeof(*items));
	size_t *which = xcalloc(c->n + 1, sizeof(*which));
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct pkg *p = &c->pkgs[i];
		if ((!p->build && !c->o->fetch_only) || !p->r->source.url.set)
			continue;
		if (recipe_has_var(p->r->source.url.s) || recipe_has_var(p->r->source.sha256.s)) {
			log_err("%s: source.url or sha256 uses $(VAR), which kiln cannot substitute "
				"before fetching", p->r->norm_name);
			p->failed = true;
			continue;
		}
		items[n].url = p->r->source.url.s;
		items[n].sha256 = p->r->source.sha256.s;
		which[n++] = i;
	}
	struct fetch_opts fo = {
		.cache_dir = c->cache,
		.mirrors = c->o->mirrors ? (const char *const *)c->o->mirrors->v : NULL,
		.n_mirrors = c->o->mirrors ? c->o->mirrors->n : 0,
	};
	bool ok = n == 0 || fetch_all(items, n, &fo);
	for (size_t k = 0; k < n; k++) {
		struct pkg *p = &c->pkgs[which[k]];
		if (items[k].path) {
			p->archive = items[k].path;
			items[k].path = NULL;
		} else {
			p->failed = true;
		}
		fetch_item_clear(&items[k]);
	}
	free(items);
	free(which);
	for (size_t i = 0; i < c->n; i++)
		ok = ok && !c->pkgs[i].failed;
	return ok;
}

/* dist/ keeps a manifest of what kiln copied there, so that an unchanged
 * artifact is recognised by its size and time without hashing it */
static bool publish_file(const char *from, const char *dist, const char *sha,
	struct strv *manifest_old, struct strv *manifest_new)
{
	const char *name = path_basename(from);
	char *to = path_join(dist, name);
	struct stat st;
	bool ok = true;
	char *line = NULL;
	if (stat(to, &st) == 0) {
		line = xasprintf("%s\t%s\t%lld\t%lld.%09ld", name, sha, (long long)st.st_size,
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (strv_has(manifest_old, line)) {
			strv_push(manifest_new, line);
			free(to);
			return true;
		}
		free(line);
	}
	size_t len;
	char *data = read_file(from, &len);
	char got[65];
	if (data)
		hash_sha256_hex(data, len, got);
	if (data && strcmp(got, sha) != 0) {
		char *entry = path_dirname(from);
		log_err("%s: sha256 %s, not %s as recorded: a damaged cache entry; remove %s",
			from, got, sha, entry);
		free(entry);
		ok = false;
	} else if (!data || !write_file_atomic(to, data, len)) {
		log_err("cannot copy %s to %s: %s", from, to, strerror(errno));
		ok = false;
	} else if (stat(to, &st) == 0) {
		strv_push(manifest_new, xasprintf("%s\t%s\t%lld\t%lld.%09ld", name, sha,
			(long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
	}
	free(data);
	free(to);
	return ok;
}

static void split_lines(char *text, struct strv *out)
{
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line)
			strv_add(out, line);
	}
}

static bool publish_dist(struct ctx *c, const bool *sel)
{
	const char *dist = c->o->dist_dir;
	if (!mkdir_p(dist, 0755)) {
		log_err("cannot create %s: %s", dist, strerror(errno));
		return false;
	}
	char *lockpath = path_join(dist, ".kiln.lock");
	int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(lockpath);
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		log_err("cannot lock %s: %s", dist, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return false;
	}
	char *lockfile = path_join(dist, "pyodide-lock.json");
	char *runtime_lock = path_join(c->ce.pyodide_dir, "pyodide-lock.json");
	char *manifest_path = path_join(dist, ".kiln-manifest");
	char *old_text = read_file(manifest_path, NULL);
	struct strv manifest_old = {0}, manifest_new = {0};
	split_lines(old_text, &manifest_old);
	free(old_text);
	struct lock *lock = path_exists(lockfile) ? lock_load(lockfile) : NULL;
	if (lock && (!lock_info(lock, "version") ||
		    strcmp(lock_info(lock, "version"), c->ce.pyodide_version) != 0)) {
		lock_free(lock);
		lock = NULL;
	}
	if (!lock)
		lock = lock_load(runtime_lock);
	bool ok = lock != NULL;
	for (size_t i = 0; ok && i < c->n; i++) {
		struct pkg *p = &c->pkgs[i];
		if (!sel[p->node] || !p->entry)
			continue;
		char *meta = path_join(p->entry, ENTRY_META);
		char *text = read_file(meta, NULL);
		cJSON *root = text ? cJSON_Parse(text) : NULL;
		const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
		if (!cJSON_IsArray(pkgs)) {
			log_err("%s: unreadable cache entry %s", p->r->norm_name, p->entry);
			ok = false;
		}
		const cJSON *e;
		cJSON_ArrayForEach(e, pkgs) {
			struct lock_pkg l;
			if (!json_pkg(e, &l)) {
				log_err("%s: unreadable cache entry %s", p->r->norm_name, p->entry);
				ok = false;
				break;
			}
			char *art = path_join(p->entry, l.file_name);
			ok = ok && publish_file(art, dist, l.sha256, &manifest_old, &manifest_new);
			free(art);
			lock_set(lock, &l);
			lock_pkg_free(&l);
		}
		cJSON_Delete(root);
		free(text);
		free(meta);
	}
	if (ok) {
		/* other artifacts kiln published earlier stay listed */
		for (size_t i = 0; i < manifest_old.n; i++) {
			size_t len = strcspn(manifest_old.v[i], "\t");
			bool kept = false;
			for (size_t k = 0; k < manifest_new.n && !kept; k++)
				kept = strncmp(manifest_new.v[k], manifest_old.v[i], len + 1) == 0;
			char *f = xstrndup(manifest_old.v[i], len);
			char *path = path_join(dist, f);
			if (!kept && path_exists(path))
				strv_add(&manifest_new, manifest_old.v[i]);
			free(path);
			free(f);
		}
		char *rendered = lock_render(lock);
		char *current = read_file(lockfile, NULL);
		if (!current || strcmp(current, rendered) != 0)
			ok = write_file_atomic(lockfile, rendered, strlen(rendered));
		if (!ok)
			log_err("cannot write %s: %s", lockfile, strerror(errno));
		free(current);
		free(rendered);
		struct buf mb = {0};
		for (size_t i = 0; i < manifest_new.n; i++)
			buf_printf(&mb, "%s\n", manifest_new.v[i]);
		char *mt = buf_take(&mb);
		char *cur = read_file(manifest_path, NULL);
		if (ok && (!cur || strcmp(cur, mt) != 0))
			ok = write_file_atomic(manifest_path, mt, strlen(mt));
		free(cur);
		free(mt);
	}
	lock_free(lock);
	strv_free(&manifest_old);
	strv_free(&manifest_new);
	free(manifest_path);
	free(runtime_lock);
	free(lockfile);
	flock(lfd, LOCK_UN);
	close(lfd);
	return ok;
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return path_join(cwd, p);
}

bool build_recipes(const struct build_opts *o)
{
	struct ctx c = {.o = o};
	struct graph_plan plan = {0};
	bool ok = false, interrupted = false;
	double t0 = sched_now();

	c.tty = isatty(2) && o->log_style == BUILD_LOG_TEXT;
	c.cache = absolute(config_cache_dir());
	setenv("KILN_CACHE", c.cache, 1);
	c.work = path_join(c.cache, "work");
	c.slots = o->jobs ? o->jobs : sched_cpu_count();
	graph_init(&c.g);

	if (!o->fetch_only && !crossenv_setup(NULL, &c.ce))
		goto out;
	if (!load_graph(&c, &plan))
		goto out;

	size_t n = plan.n;
	c.n = n;
	c.pkgs = xcalloc(n + 1, sizeof(*c.pkgs));
	c.pkg_of_node = xcalloc(c.g.n + 1, sizeof(*c.pkg_of_node));
	for (size_t i = 0; i < c.g.n; i++)
		c.pkg_of_node[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct pkg *p = &c.pkgs[i];
		p->node = plan.order[i];
		p->r = c.g.nodes[plan.order[i]].r;
		c.pkg_of_node[plan.order[i]] = (long)i;
	}

	if (o->fetch_only) {
		for (size_t i = 0; i < n; i++)
			c.pkgs[i].build = true;
		ok = fetch_sources(&c);
		if (ok)
			say(&c, "%zu source(s) in %s/sources", n, c.cache);
		goto out;
	}

	/* what builds that were killed left in the cache */
	size_t swept = cache_sweep(c.cache);
	if (swept)
		log_info("removed %zu stage director%s left by an interrupted build", swept,
			swept == 1 ? "y" : "ies");

	/* keys in build order: a package's key includes its host closure's */
	size_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		struct pkg *p = &c.pkgs[i];
		bool *cl = xcalloc(c.g.n, sizeof(*cl));
		graph_host_closure(&c.g, p->node, cl);
		bool any = false;
		for (size_t k = 0; k < c.g.n; k++)
			any = any || cl[k];
		if (any)
			p->closure = cl;
		else
			free(cl);
		if (!compute_key(&c, p))
			goto out;
		p->entry = cache_lookup(c.cache, p->r->norm_name, &p->key);
		p->build = !p->entry;
		if (p->build)
			todo++;
		if (o->explain && (p->build || o->log_style == BUILD_LOG_JSON)) {
			p->explain = cache_explain(c.cache, p->r->norm_name, &p->key);
			if (o->log_style == BUILD_LOG_JSON)
				json_event("explain", p->r->norm_name, p->build ? "build" : "up to date",
					-1, p->explain);
			else
				say(&c, "%s: %s", p->r->norm_name, p->explain);
		}
	}

	ok = true;
	if (todo) {
		bool fetched = fetch_sources(&c);
		if (!fetched && !o->keep_going) {
			ok = false;
			goto out;
		}
		c.jobs = xcalloc(todo, sizeof(*c.jobs));
		c.deps = xcalloc(todo, sizeof(*c.deps));
		for (size_t i = 0; i < n; i++) {
			struct pkg *p = &c.pkgs[i];
			if (!p->build)
				continue;
			p->job = c.njobs++;
		}
		for (size_t i = 0; i < n; i++) {
			struct pkg *p = &c.pkgs[i];
			if (!p->build)
				continue;
			struct sched_job *j = &c.jobs[p->job];
			j->name = p->r->norm_name;
			j->weight = recorded_weight(&c, p);
			c.deps[p->job] = xcalloc(n + 1, sizeof(**c.deps));
			size_t nd = 0;
			if (p->closure)
				for (size_t k = 0; k < c.g.n; k++) {
					if (!p->closure[k] || c.pkg_of_node[k] < 0)
						continue;
					struct pkg *d = &c.pkgs[c.pkg_of_node[k]];
					if (d->build)
						c.deps[p->job][nd++] = d->job;
				}
			j->deps = c.deps[p->job];
			j->ndeps = nd;
		}
		struct sched_ops ops = {.start = start_job, .finished = on_finished,
			.status = on_status, .ctx = &c};
		struct sched_opts so = {.jobs = c.slots, .keep_going = o->keep_going};
		ok = sched_run(c.jobs, c.njobs, &so, &ops, &interrupted);
		clear_status(&c);
	}

	if (!interrupted) {
		bool published = publish_dist(&c, plan.sel);
		ok = ok && published;
	}
	size_t built = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < c.njobs; i++) {
		built += c.jobs[i].state == SCHED_DONE;
		failed += c.jobs[i].state == SCHED_FAILED;
		skipped += c.jobs[i].state == SCHED_SKIPPED;
	}
	double secs = sched_now() - t0;
	if (o->log_style == BUILD_LOG_JSON) {
		char *detail = xasprintf("%zu packages: %zu built, %zu up to date, %zu failed, "
			"%zu skipped", n, built, n - c.njobs, failed, skipped);
		json_event("summary", NULL, ok ? "ok" : interrupted ? "interrupted" : "failed",
			secs, detail);
		free(detail);
	} else {
		say(&c, "%s%zu packages: %zu built, %zu up to date, %zu failed, %zu skipped "
			"(%.1fs)%s", interrupted ? "interrupted: " : "", n, built, n - c.njobs, failed,
			skipped, secs, ok ? "" : "");
		if (ok)
			say(&c, "%s/pyodide-lock.json is up to date", o->dist_dir);
	}
out:
	for (size_t i = 0; i < c.n; i++) {
		cache_key_free(&c.pkgs[i].key);
		free(c.pkgs[i].entry);
		free(c.pkgs[i].archive);
		free(c.pkgs[i].closure);
		free(c.pkgs[i].explain);
	}
	for (size_t i = 0; i < c.njobs; i++)
		free(c.deps[i]);
	free(c.deps);
	free(c.jobs);
	free(c.pkgs);
	free(c.pkg_of_node);
	graph_plan_free(&plan);
	graph_free(&c.g);
	crossenv_free(&c.ce);
	free(c.work);
	free(c.cache);
	return ok;
}

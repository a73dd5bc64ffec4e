#include "build/buildenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "build/pkgbuild.h"

extern const char embed_buildenv[];
extern const size_t embed_buildenv_len;

/* the probe's answer: the interpreter's tag and the unmet requirements */
struct probe {
	char *tag;
	struct strv unmet;
};

static void probe_free(struct probe *p)
{
	free(p->tag);
	strv_free(&p->unmet);
	*p = (struct probe){0};
}

static bool probe_run(const struct buildenv_opts *o, char *const *env, bool static_only,
	struct probe *res)
{
	struct strv argv = {0};
	strv_add(&argv, o->python);
	strv_add(&argv, "-c");
	strv_add(&argv, embed_buildenv);
	strv_add(&argv, static_only ? "static" : "all");
	strv_add(&argv, o->srcdir);
	for (size_t i = 0; i < o->n_cross; i++)
		strv_add(&argv, o->cross[i].name);
	struct buf out = {0};
	struct proc_opts po = proc_step_opts(o->srcdir, env, o->log_fd, o->timeout);
	po.out = (struct proc_stream){PROC_PIPE, .buf = &out};
	po.err = o->log_fd < 0 ? (struct proc_stream){PROC_INHERIT}
			       : (struct proc_stream){PROC_FD, .fd = o->log_fd};
	int st = 0;
	bool ok = proc_run((const char *const *)argv.v, &po, &st);
	strv_free(&argv);
	if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *why = proc_describe(st);
		log_err("reading the build requirements of %s failed (%s)", o->srcdir, why);
		free(why);
		ok = false;
	}
	*res = (struct probe){0};
	for (char *line = out.s, *end; ok && line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		char *l = end ? xstrndup(line, (size_t)(end - line)) : xstrdup(line);
		if (!res->tag)
			res->tag = l;
		else
			strv_push(&res->unmet, l);
	}
	buf_free(&out);
	if (ok && !res->tag) {
		log_err("reading the build requirements of %s gave no answer", o->srcdir);
		ok = false;
	}
	return ok;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *joined(const struct strv *v, const char *sep)
{
	struct buf b = {0};
	for (size_t i = 0; i < v->n; i++)
		buf_printf(&b, "%s%s", i ? sep : "", v->v[i]);
	return b.s ? buf_take(&b) : xstrdup("");
}

/* the last "ERROR: ..." line pip wrote to the log since offset start */
static char *pip_reason(int log_fd, off_t start)
{
	if (log_fd < 0 || start < 0)
		return NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", log_fd);
	size_t len;
	char *log = read_file(path, &len);
	char *why = NULL;
	for (char *p = log && (size_t)start <= len ? log + start : NULL; p && *p;) {
		char *end = strchr(p, '\n');
		if (str_startswith(p, "ERROR: ")) {
			free(why);
			why = end ? xstrndup(p + 7, (size_t)(end - p - 7)) : xstrdup(p + 7);
		}
		p = end ? end + 1 : NULL;
	}
	free(log);
	return why;
}

/* "3.X" of python when it is not the host Python, else NULL */
static char *foreign_version(const char *python)
{
	if (strcmp(python, config_host_python()) == 0)
		return NULL;
	struct strv argv = {0};
	strv_add(&argv, python);
	strv_add(&argv, "-c");
	strv_add(&argv, "import sys; print('%d.%d' % sys.version_info[:2])");
	struct buf out = {0};
	int st = -1;
	char *ver = NULL;
	if (proc_capture(argv.v, NULL, &out, NULL, &st) && st == 0 && out.s)
		ver = xstrndup(out.s, strcspn(out.s, "\n"));
	buf_free(&out);
	strv_free(&argv);
	return ver;
}

/* pip install --target tmp; the constraints and a manifest are written beside */
static bool pip_install(const struct buildenv_opts *o, const char *tmp, const struct strv *reqs)
{
	struct strv argv = {0};
	char *ver = foreign_version(o->python);
	/* an interpreter of another minor (the target's, unpacked by toolchain/hostpython)
	 * has no pip: the host's installs for it */
	strv_add(&argv, ver ? config_host_python() : o->python);
	strv_add(&argv, "-m");
	strv_add(&argv, "pip");
	strv_add(&argv, "install");
	if (ver) {
		strv_add(&argv, "--python-version");
		strv_add(&argv, ver);
		strv_add(&argv, "--implementation");
		strv_add(&argv, "cp");
		free(ver);
	}
	strv_add(&argv, "--no-input");
	strv_add(&argv, "--target");
	strv_add(&argv, tmp);
	strv_add(&argv, "--only-binary");
	strv_add(&argv, ":all:");
	char *cpath = path_join(tmp, "kiln-constraints.txt");
	bool ok = true;
	if (o->constraints && o->constraints->n) {
		char *text = joined(o->constraints, "\n");
		ok = write_file_atomic(cpath, text, strlen(text));
		free(text);
		strv_add(&argv, "--constraint");
		strv_add(&argv, cpath);
	}
	for (size_t i = 0; i < reqs->n; i++)
		strv_add(&argv, reqs->v[i]);
	for (size_t i = 0; i < o->n_cross; i++)
		strv_push(&argv, xasprintf("%s==%s", o->cross[i].name, o->cross[i].version));
	off_t start = o->log_fd >= 0 ? lseek(o->log_fd, 0, SEEK_END) : -1;
	/* kiln's own environment: pip must see the host, not the cross environment */
	struct proc_opts po = proc_step_opts(NULL, NULL, o->log_fd, o->timeout);
	int st = 0;
	ok = ok && proc_run((const char *const *)argv.v, &po, &st);
	if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *list = joined(reqs, ", ");
		char *why = pip_reason(o->log_fd, start);
		char *status = proc_describe(st);
		log_err("cannot install the build requirements %s from the package index with "
			"'%s -m pip install --only-binary :all:' (%s): %s", list, o->python, status,
			why ? why : "see the log above");
		free(status);
		free(why);
		free(list);
		ok = false;
	}
	free(cpath);
	strv_free(&argv);
	return ok;
}

/* the target wheel's cross-build files over the host install in dir */
static bool overlay(const struct buildenv_cross *c, const char *dir)
{
	struct wheel *w = wheel_read(c->wheel);
	bool ok = w != NULL;
	for (size_t i = 0; ok && i < c->files->n; i++) {
		const struct wheel_file *f = wheel_find(w, c->files->v[i]);
		if (!f) {
			log_err("build.cross-build-files of %s: %s is not in %s", c->name,
				c->files->v[i], c->wheel);
			ok = false;
			break;
		}
		char *to = path_join(dir, f->name);
		char *parent = path_dirname(to);
		ok = mkdir_p(parent, 0755) && write_file_atomic(to, f->data, f->size);
		if (!ok)
			log_err("cannot write %s: %s", to, strerror(errno));
		free(parent);
		free(to);
	}
	wheel_free(w);
	return ok;
}

/* <cache>/buildenv/<id> for the interpreter tag, requirements and constraints */
static char *env_dir(const struct buildenv_opts *o, const char *tag, const struct strv *reqs)
{
	char *r = joined(reqs, "\n");
	char *c = o->constraints ? joined(o->constraints, "\n") : xstrdup("");
	struct buf k = {0};
	buf_printf(&k, "kiln-buildenv-1\n%s\n%s\nconstraints:\n%s\n", tag, r, c);
	for (size_t i = 0; i < o->n_cross; i++) {
		char sha[65] = "";
		hash_sha256_file(o->cross[i].wheel, sha);
		buf_printf(&k, "cross:%s==%s %s\n", o->cross[i].name, o->cross[i].version, sha);
		for (size_t f = 0; f < o->cross[i].files->n; f++)
			buf_printf(&k, "  %s\n", o->cross[i].files->v[f]);
	}
	char *key = buf_take(&k);
	char hex[65];
	hash_sha256_hex(key, strlen(key), hex);
	hex[20] = 0;
	char *dir = xasprintf("%s/buildenv/%s", o->cache_dir, hex);
	free(key);
	free(c);
	free(r);
	return dir;
}

static bool env_ensure(const struct buildenv_opts *o, const char *tag, const struct strv *reqs,
	char **out)
{
	char *dir = env_dir(o, tag, reqs);
	struct strv shown = {0};
	for (size_t i = 0; i < reqs->n; i++)
		strv_add(&shown, reqs->v[i]);
	for (size_t i = 0; i < o->n_cross; i++)
		strv_push(&shown, xasprintf("%s==%s (cross-build)", o->cross[i].name,
			o->cross[i].version));
	char *list = joined(&shown, ", ");
	strv_free(&shown);
	if (path_is_dir(dir)) {
		log_info("build requirements %s: reusing %s", list, dir);
		free(list);
		*out = dir;
		return true;
	}
	log_info("build requirements %s: installing them into %s", list, dir);
	char *tmp = xasprintf("%s.tmp-XXXXXX", dir);
	char *parent = path_dirname(dir);
	bool ok = mkdir_p(parent, 0755) && mkdtemp(tmp);
	if (!ok)
		log_err("cannot create %s: %s", tmp, strerror(errno));
	ok = ok && pip_install(o, tmp, reqs);
	for (size_t i = 0; ok && i < o->n_cross; i++)
		ok = overlay(&o->cross[i], tmp);
	char *manifest = path_join(tmp, "kiln-buildenv.txt");
	char *all = joined(reqs, "\n");
	char *text = xasprintf("%s\n%s\n", tag, all);
	free(all);
	ok = ok && write_file_atomic(manifest, text, strlen(text));
	if (ok && rename(tmp, dir) != 0) {
		/* another build made it first: take theirs */
		ok = errno == EEXIST || errno == ENOTEMPTY;
		if (!ok)
			log_err("cannot rename %s to %s: %s", tmp, dir, strerror(errno));
	}
	if (path_is_dir(tmp))
		remove_tree(tmp);
	free(text);
	free(manifest);
	free(parent);
	free(tmp);
	free(list);
	if (ok)
		*out = dir;
	else
		free(dir);
	return ok;
}

static void merge(struct strv *into, const struct strv *more)
{
	for (size_t i = 0; i < more->n; i++)
		if (!strv_has(into, more->v[i]))
			strv_add(into, more->v[i]);
	if (into->n)
		qsort(into->v, into->n, sizeof(*into->v), cmpstr);
}

void buildenv_apply(const char *dir, struct strv *env)
{
	const char *py = pkgbuild_getenv(env, "PYTHONPATH");
	char *v = py && *py ? xasprintf("%s:%s", dir, py) : xstrdup(dir);
	pkgbuild_setenv(env, "PYTHONPATH", v);
	free(v);
	const char *path = pkgbuild_getenv(env, "PATH");
	const char *ce = pkgbuild_getenv(env, "KILN_CROSSENV");
	char *cebin = ce ? xasprintf("%s/bin", ce) : NULL;
	size_t n = cebin ? strlen(cebin) : 0;
	if (!path)
		v = xasprintf("%s/bin", dir);
	else if (cebin && strncmp(path, cebin, n) == 0 && (path[n] == ':' || !path[n]))
		v = xasprintf("%s:%s/bin%s", cebin, dir, path + n);
	else
		v = xasprintf("%s/bin:%s", dir, path);
	pkgbuild_setenv(env, "PATH", v);
	free(v);
	free(cebin);
}

/* probe, install what is unmet (with what was installed before), apply, probe again:
 * build-system.requires first, then the backend's own requirements */
static bool prepare(const struct buildenv_opts *o, char **dir)
{
	struct strv reqs = {0}, env = {0};
	bool ok = true, done = false;
	for (int round = 0; ok && !done && round < 3; round++) {
		strv_free(&env);
		for (char *const *e = o->env; e && *e; e++)
			strv_add(&env, *e);
		if (*dir)
			buildenv_apply(*dir, &env);
		struct probe p = {0};
		/* a cross-build package goes in before the backend runs (setup.py imports numpy) */
		ok = probe_run(o, env.v, o->n_cross && !*dir, &p);
		size_t had = reqs.n;
		if (ok)
			merge(&reqs, &p.unmet);
		if (ok && p.unmet.n && reqs.n == had) {
			char *left = joined(&p.unmet, ", ");
			log_err("build requirements still unmet after installing them into %s: %s",
				*dir, left);
			free(left);
			ok = false;
		}
		done = ok && !p.unmet.n && !(o->n_cross && !*dir);
		if (ok && !done) {
			free(*dir);
			*dir = NULL;
			ok = env_ensure(o, p.tag, &reqs, dir);
		}
		probe_free(&p);
	}
	strv_free(&reqs);
	strv_free(&env);
	return ok;
}

bool buildenv_prepare(const struct buildenv_opts *o, char **dir)
{
	*dir = NULL;
	bool ok = prepare(o, dir);
	if (!ok) {
		free(*dir);
		*dir = NULL;
	}
	return ok;
}

#include "build/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "build/buildenv.h"
#include "recipe/recipe.h"

/* distribution names whose Debian package is not python3-<name> */
static const struct {
	const char *dist, *deb;
} debian_names[] = {
	{"cython", "cython3"},
	{"flit-core", "flit"},
	{"meson", "meson"},
	{"meson-python", "python3-mesonpy"},
	{"ninja", "ninja-build"},
	{"pybind11", "pybind11-dev"},
	{"scikit-build", "python3-skbuild"},
	{"scikit-build-core", "python3-scikit-build-core"},
	{"setuptools-scm", "python3-setuptools-scm"},
	{"pkgconfig", "python3-pkgconfig"},
	{"cmake", "cmake"},
};

char *backend_debian_package(const char *requirement)
{
	size_t n = strcspn(requirement, "<>=!~;[( \t@");
	char *raw = xstrndup(requirement, n);
	char *name = recipe_normalize(raw);
	free(raw);
	for (size_t i = 0; i < ARRAY_LEN(debian_names); i++)
		if (strcmp(debian_names[i].dist, name) == 0) {
			free(name);
			return xstrdup(debian_names[i].deb);
		}
	char *deb = xasprintf("python3-%s", name);
	free(name);
	return deb;
}

/* the requirement lines printed by `build` after "Missing dependencies:" */
static void report_missing(const char *log)
{
	const char *p = strstr(log, "Missing dependencies:");
	if (!p)
		return;
	p = strchr(p, '\n');
	while (p && p[1] == '\t') {
		const char *start = p + 2;
		const char *end = strchr(start, '\n');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		char *req = xstrndup(start, len);
		/* "\t\tx" lines are the reason a requirement is unmet */
		if (req[0] != '\t' && req[0]) {
			char *deb = backend_debian_package(req);
			log_err("missing build requirement %s (Debian package: %s; "
				"install it with: apt-get install %s)", req, deb, deb);
			free(deb);
		}
		free(req);
		p = end;
	}
}

/* prints "CONSTRAINT: the host has NAME VERSION" for each constraint (PEP 508, pip's
 * constraints-file lines) that an installed distribution violates; exit 1 if any */
static const char constraint_py[] =
	"import sys\n"
	"from importlib.metadata import version, PackageNotFoundError\n"
	"from packaging.requirements import Requirement, InvalidRequirement\n"
	"bad = 0\n"
	"for line in sys.argv[1:]:\n"
	"    try:\n"
	"        r = Requirement(line)\n"
	"    except InvalidRequirement as e:\n"
	"        print(f'{line}: not a requirement ({e})'); bad = 1; continue\n"
	"    if r.marker is not None and not r.marker.evaluate():\n"
	"        continue\n"
	"    try:\n"
	"        v = version(r.name)\n"
	"    except PackageNotFoundError:\n"
	"        continue\n"
	"    if not r.specifier.contains(v, prereleases=True):\n"
	"        print(f'{line}: the host has {r.name} {v}'); bad = 1\n"
	"sys.exit(bad)\n";

static bool check_constraints(const struct backend_opts *o, char *const *env)
{
	if (!o->constraints || !o->constraints->n)
		return true;
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int st = -1;
	strv_add(&argv, o->python);
	strv_add(&argv, "-c");
	strv_add(&argv, constraint_py);
	for (size_t i = 0; i < o->constraints->n; i++)
		strv_add(&argv, o->constraints->v[i]);
	struct proc_opts po = {
		.env = env,
		.in = {PROC_NULL},
		.out = {PROC_PIPE, .buf = &out},
		.err = {PROC_PIPE, .buf = &err},
		.timeout = o->timeout,
	};
	bool ok = proc_run((const char *const *)argv.v, &po, &st);
	if (ok && st != 0) {
		ok = false;
		for (char *line = out.s, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			log_err("requirements.constraint %s (in the build environment)", line);
		}
		if (!out.len)
			log_err("cannot check requirements.constraint with %s:\n%s", o->python,
				err.s ? err.s : "");
	}
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return ok;
}

/* the isolated build environment, when there is a cache for it; env gets it applied */
static bool isolated_env(const struct backend_opts *o, struct strv *env)
{
	for (char *const *e = o->env; e && *e; e++)
		strv_add(env, *e);
	if (!o->cache_dir)
		return true;
	if (!o->env)
		for (char **e = environ; *e; e++)
			strv_add(env, *e);
	struct buildenv_opts bo = {
		.python = o->python, .srcdir = o->srcdir, .cache_dir = o->cache_dir,
		.constraints = o->constraints, .cross = o->cross,
		.n_cross = o->n_cross, .env = env->v,
		.log_fd = o->log_fd, .timeout = o->timeout,
	};
	char *dir = NULL;
	bool ok = buildenv_prepare(&bo, &dir);
	if (dir)
		buildenv_apply(dir, env);
	free(dir);
	return ok;
}

bool backend_build_wheel(const struct backend_opts *o)
{
	struct strv env = {0};
	if (!isolated_env(o, &env)) {
		strv_free(&env);
		return false;
	}
	if (!check_constraints(o, env.n ? env.v : NULL)) {
		strv_free(&env);
		return false;
	}
	struct strv argv = {0};
	strv_add(&argv, o->python);
	strv_add(&argv, "-m");
	strv_add(&argv, "build");
	strv_add(&argv, "--wheel");
	strv_add(&argv, "--no-isolation");
	/* kiln checked the requirements itself, leaving out what must not be installed */
	if (o->cache_dir)
		strv_add(&argv, "--skip-dependency-check");
	strv_add(&argv, "--outdir");
	strv_add(&argv, o->outdir);
	const char *f = o->backend_flags ? o->backend_flags : "";
	while (*f) {
		size_t skip = strspn(f, " \t\n");
		f += skip;
		size_t len = strcspn(f, " \t\n");
		if (!len)
			break;
		strv_push(&argv, xasprintf("--config-setting=%.*s", (int)len, f));
		f += len;
	}
	strv_add(&argv, o->srcdir);

	off_t start = o->log_fd >= 0 ? lseek(o->log_fd, 0, SEEK_END) : -1;
	struct proc_opts po = proc_step_opts(o->srcdir, env.n ? env.v : NULL, o->log_fd,
		o->timeout);
	int status = 0;
	bool ok = proc_run((const char *const *)argv.v, &po, &status);
	if (ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char *why = proc_describe(status);
		log_err("the PEP 517 build failed (%s)", why);
		free(why);
		ok = false;
		if (start >= 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", o->log_fd);
			size_t len;
			char *log = read_file(path, &len);
			if (log && (size_t)start <= len)
				report_missing(log + start);
			free(log);
		}
	}
	strv_free(&argv);
	strv_free(&env);
	return ok;
}

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "recipe/recipe.h"

extern const struct kiln_cmd cmd_lockfile;

/* can the runtime described by the lock install a wheel with this tag */
static bool tag_fits(const char *tag, const char *py, const char *plat)
{
	char *t = xstrdup(tag);
	char *abi = strchr(t, '-'), *pl = abi ? strchr(abi + 1, '-') : NULL;
	bool ok = false;
	if (abi && pl) {
		*abi++ = '\0';
		*pl++ = '\0';
		bool any = strcmp(pl, "any") == 0;
		for (char *p = t, *dot; p && !ok; p = dot ? dot + 1 : NULL) {
			dot = strchr(p, '.');
			size_t n = dot ? (size_t)(dot - p) : strlen(p);
			bool py3 = (n == 3 && memcmp(p, "py3", 3) == 0) ||
				(n >= 3 && memcmp(p, "py3", 3) == 0 && strncmp(p + 2, py + 2, n - 2) == 0 &&
					strlen(py) == n);
			bool cp = strlen(py) == n && memcmp(p, py, n) == 0;
			bool abi3 = strcmp(abi, "abi3") == 0 && n >= 3 && memcmp(p, "cp3", 3) == 0 &&
				strtol(p + 3, NULL, 10) <= strtol(py + 3, NULL, 10);
			if (any)
				ok = strcmp(abi, "none") == 0 && (py3 || cp);
			else if (strcmp(pl, plat) == 0)
				ok = (cp && (strcmp(abi, py) == 0 || strcmp(abi, "none") == 0)) || abi3 ||
					(py3 && strcmp(abi, "none") == 0);
		}
	}
	free(t);
	return ok;
}

static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* copy src into dist (unless it is there already) and hash it */
static bool copy_into(const char *src, const char *dist, char sha[65])
{
	char *dest = path_join(dist, path_basename(src));
	size_t len;
	char *data = read_file(src, &len);
	bool ok = data != NULL;
	if (!data)
		log_err("%s: %s", src, strerror(errno));
	else if (!same_file(src, dest) && !(ok = write_file_atomic(dest, data, len)))
		log_err("%s: %s", dest, strerror(errno));
	if (ok)
		hash_sha256_hex(data, len, sha);
	free(data);
	free(dest);
	return ok;
}

/* check a wheel against the runtime; its normalised name joins batch */
static struct wheel *load_wheel(const char *path, const char *py, const char *const plat[2],
	struct strv *batch)
{
	struct wheel_name wn;
	if (!wheel_name_parse(path, &wn))
		return NULL;
	struct wheel *w = wheel_check(path);
	char *fn = NULL, *mn = NULL;
	bool fits = false;
	if (!w)
		goto out;
	for (size_t k = 0; k < w->meta.tags.n && !fits; k++)
		fits = tag_fits(w->meta.tags.v[k], py, plat[0]) ||
			tag_fits(w->meta.tags.v[k], py, plat[1]);
	fn = recipe_normalize(wn.dist);
	mn = recipe_normalize(w->meta.name);
	if (strcmp(fn, mn) != 0) {
		log_err("%s: the file name says %s, METADATA says %s", path, wn.dist, w->meta.name);
	} else if (!fits) {
		log_err("%s: built for %s-%s-%s; the runtime needs %s-%s-%s or py3-none-any", path,
			wn.python, wn.abi, wn.platform, py, py, plat[0]);
	} else if (strv_has(batch, mn)) {
		log_err("%s: %s is given twice", path, w->meta.name);
	} else {
		strv_push(batch, mn);
		mn = NULL;
		goto out;
	}
	wheel_free(w);
	w = NULL;
out:
	free(fn);
	free(mn);
	wheel_name_free(&wn);
	return w;
}

static bool add_tests(struct lock *l, const char *path, const char *dist)
{
	const char *base = path_basename(path);
	char *pkgname = xstrndup(base, strlen(base) - strlen("-tests.tar"));
	struct lock_pkg pkg = {0}, t = {0};
	char sha[65];
	bool ok = false;
	if (!lock_get(l, pkgname, &pkg) || !copy_into(path, dist, sha))
		goto out;
	lock_pkg_tests(&t, &pkg, base, sha);
	lock_set(l, &t);
	lock_set(l, &pkg);
	printf("%s %s %s\n", t.name, t.version, base);
	ok = true;
out:
	lock_pkg_free(&t);
	lock_pkg_free(&pkg);
	free(pkgname);
	return ok;
}

/* NAME and VERSION of a shared library archive NAME-VERSION.zip */
static bool shlib_name(const char *path, char **name, char **version)
{
	const char *base = path_basename(path);
	const char *dash = strrchr(base, '-');
	if (!dash || dash == base || strlen(dash) <= strlen("-.zip")) {
		log_err("%s: a shared library archive is named NAME-VERSION.zip", path);
		return false;
	}
	*name = xstrndup(base, (size_t)(dash - base));
	*version = xstrndup(dash + 1, strlen(dash + 1) - 4);
	return true;
}

/* every input is checked before anything is written */
static bool check_inputs(const struct lock *l, int n, char **paths, struct wheel **ws,
	struct strv *batch)
{
	char *py = lock_python_tag(l), *plat = lock_platform_tag(l, false);
	char *legacy = lock_platform_tag(l, true);
	const char *const plats[2] = {plat, legacy};
	bool ok = false;
	for (int i = 0; i < n; i++) {
		if (str_endswith(paths[i], ".whl") && !(ws[i] = load_wheel(paths[i], py, plats, batch)))
			goto out;
	}
	for (int i = 0; i < n; i++) {
		char *name, *version, *norm;
		if (!str_endswith(paths[i], ".zip") || str_endswith(paths[i], ".whl"))
			continue;
		if (!shlib_name(paths[i], &name, &version))
			goto out;
		norm = recipe_normalize(name);
		free(name);
		free(version);
		if (strv_has(batch, norm)) {
			log_err("%s: %s is given twice", paths[i], norm);
			free(norm);
			goto out;
		}
		strv_push(batch, norm);
		if (!wheel_check_plain(paths[i]))
			goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!str_endswith(paths[i], "-tests.tar"))
			continue;
		const char *base = path_basename(paths[i]);
		char *pkg = xstrndup(base, strlen(base) - strlen("-tests.tar"));
		char *norm = recipe_normalize(pkg);
		bool known = lock_has(l, pkg) || strv_has(batch, norm);
		if (!known)
			log_err("%s: tests of %s, which is neither given nor in the lockfile", paths[i],
				pkg);
		free(pkg);
		free(norm);
		if (!known || !wheel_check_plain(paths[i]))
			goto out;
	}
	ok = true;
out:
	free(py);
	free(plat);
	free(legacy);
	return ok;
}

/* NAME-VERSION.zip: a shared library package */
static bool add_shared_library(struct lock *l, const char *path, const char *dist)
{
	char *name, *version;
	struct lock_pkg p = {0};
	char sha[65];
	bool ok = shlib_name(path, &name, &version);
	if (!ok)
		return false;
	if ((ok = copy_into(path, dist, sha))) {
		lock_pkg_init(&p, LOCK_SHARED_LIBRARY, name, version, path_basename(path), sha);
		lock_set(l, &p);
		printf("%s %s %s\n", p.name, p.version, p.file_name);
	}
	lock_pkg_free(&p);
	free(name);
	free(version);
	return ok;
}

static int add_wheels(const char *lock_path, const char *dist, int n, char **paths)
{
	struct lock *l = NULL;
	struct wheel **ws = xcalloc((size_t)n, sizeof(*ws));
	struct strv batch = {0};
	int status = EXIT_FAIL;

	for (int i = 0; i < n; i++) {
		if (!str_endswith(paths[i], ".whl") && !str_endswith(paths[i], "-tests.tar") &&
			!str_endswith(paths[i], ".zip")) {
			log_err("%s: not a wheel, NAME-tests.tar or NAME-VERSION.zip", paths[i]);
			goto out;
		}
	}
	char *rt_path = path_join(config_pyodide_dir(), "pyodide-lock.json");
	struct lock *rt = lock_load(rt_path);
	free(rt_path);
	if (rt && path_exists(lock_path)) {
		l = lock_load(lock_path);
		if (l && !lock_info_equal(l, rt)) {
			log_err("%s is for another runtime (Python %s, %s) than the target (Python %s, "
				"%s): give the matching --target, or another --dist/--lock", lock_path,
				lock_info(l, "python"), lock_info(l, "platform"), lock_info(rt, "python"),
				lock_info(rt, "platform"));
			lock_free(l);
			l = NULL;
		}
		lock_free(rt);
	} else {
		l = rt;
	}
	if (!l)
		goto out;
	if (!check_inputs(l, n, paths, ws, &batch))
		goto out;
	if (!mkdir_p(dist, 0755)) {
		log_err("%s: %s", dist, strerror(errno));
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (str_endswith(paths[i], ".zip") && !add_shared_library(l, paths[i], dist))
			goto out;
	for (int i = 0; i < n; i++) {
		char sha[65];
		if (!ws[i])
			continue;
		if (!copy_into(paths[i], dist, sha))
			goto out;
		struct lock_pkg old, p;
		bool had_tests = false;
		if (lock_get(l, ws[i]->meta.name, &old)) {
			char *tests = xasprintf("%s-tests", ws[i]->meta.name);
			/* the runtime's tests archive belongs to the runtime's build */
			had_tests = old.unvendored_tests && strcmp(old.sha256, sha) == 0;
			if (!had_tests)
				lock_remove(l, tests);
			free(tests);
			lock_pkg_free(&old);
		}
		lock_pkg_from_wheel(&p, ws[i], path_basename(paths[i]), sha, l, &batch);
		p.unvendored_tests = had_tests;
		lock_set(l, &p);
		printf("%s %s %s\n", p.name, p.version, path_basename(paths[i]));
		lock_pkg_free(&p);
	}
	for (int i = 0; i < n; i++)
		if (str_endswith(paths[i], "-tests.tar") && !add_tests(l, paths[i], dist))
			goto out;
	if (lock_write(l, lock_path))
		status = EXIT_OK;
out:
	for (int i = 0; i < n; i++)
		wheel_free(ws[i]);
	free(ws);
	strv_free(&batch);
	lock_free(l);
	return status;
}

/* one package of a shard's dist/ into out and the merged lock l; taken names the packages
 * merged so far */
static bool merge_pkg(struct lock *l, const struct lock_pkg *p, const char *dir,
	const char *out, struct strv *taken)
{
	char *file = path_join(dir, p->file_name);
	bool ok = true;
	if (!path_is_file(file)) {
		/* the runtime's own entry, or one of a package that this shard did not build */
	} else if (strv_has(taken, p->name)) {
		struct lock_pkg have = {0};
		lock_get(l, p->name, &have);
		if (!have.sha256 || strcmp(have.sha256, p->sha256) != 0) {
			log_err("%s: %s differs from the one of an earlier directory", file, p->name);
			ok = false;
		}
		lock_pkg_free(&have);
	} else {
		char sha[65];
		ok = copy_into(file, out, sha);
		if (ok && strcmp(sha, p->sha256) != 0) {
			log_err("%s: sha256 %s, not %s as its lockfile says", file, sha, p->sha256);
			ok = false;
		}
		if (ok) {
			lock_set(l, p);
			strv_add(taken, p->name);
		}
	}
	free(file);
	return ok;
}

/* the packages of one shard's dist/ (those whose files it holds) into out and l */
static bool merge_one(struct lock *l, const char *dir, const char *out, struct strv *taken)
{
	char *path = path_join(dir, "pyodide-lock.json");
	struct lock *in = lock_load(path);
	struct strv names = {0};
	bool ok = in != NULL;
	if (in && !lock_info_equal(in, l)) {
		log_err("%s: a lockfile of another runtime than the target's", path);
		ok = false;
	}
	if (ok)
		lock_names(in, &names);
	for (size_t i = 0; ok && i < names.n; i++) {
		struct lock_pkg p = {0};
		ok = lock_get(in, names.v[i], &p) && merge_pkg(l, &p, dir, out, taken);
		lock_pkg_free(&p);
	}
	strv_free(&names);
	if (in)
		lock_free(in);
	free(path);
	return ok;
}

/* kiln lockfile merge: the runtime's lockfile with every package of the dirs, into out */
static int merge_dirs(const char *out, int n, char **dirs)
{
	char *rt_path = path_join(config_pyodide_dir(), "pyodide-lock.json");
	struct lock *l = lock_load(rt_path);
	struct strv taken = {0};
	bool ok = l && mkdir_p(out, 0755);
	if (l && !ok)
		log_err("cannot create %s: %s", out, strerror(errno));
	for (int i = 0; ok && i < n; i++) {
		if (same_file(dirs[i], out)) {
			log_err("%s: the output directory cannot be one of the merged ones", dirs[i]);
			ok = false;
		} else {
			ok = merge_one(l, dirs[i], out, &taken);
		}
	}
	char *lock_path = path_join(out, "pyodide-lock.json");
	ok = ok && lock_write(l, lock_path);
	if (ok)
		log_info("%s: %zu packages from %d director%s", lock_path, taken.n, n,
			n == 1 ? "y" : "ies");
	free(lock_path);
	strv_free(&taken);
	if (l)
		lock_free(l);
	free(rt_path);
	return ok ? EXIT_OK : EXIT_FAIL;
}

struct lockfile_opts {
	const char *lock, *dist;
	struct cmd_target t;
};

static const struct cmd_opt options[] = {
	{"lock", 0, "FILE", "the lockfile to update (default DIR/pyodide-lock.json; created\n"
		"from the Pyodide runtime's own lockfile when absent)",
		CMD_STR(struct lockfile_opts, lock)},
	{"dist", 0, "DIR", "where the wheels are copied (default dist)",
		CMD_STR(struct lockfile_opts, dist)},
	CMD_TARGET_OPTS(struct lockfile_opts, t),
	{0},
};

static int run(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_lockfile, "missing subcommand (add-wheels, merge)");
	bool merge = strcmp(argv[1], "merge") == 0;
	if (!merge && strcmp(argv[1], "add-wheels") != 0)
		return cmd_usage_error(&cmd_lockfile, "unknown subcommand '%s'", argv[1]);
	struct lockfile_opts o = {.dist = "dist"};
	argc--;
	argv++;
	if (!cmd_parse(&cmd_lockfile, &argc, argv, &o))
		return EXIT_USAGE;
	if (argc < 2)
		return cmd_usage_error(&cmd_lockfile, merge ? "no directories given" : "no wheels given");
	if (!cmd_select_target(&o.t))
		return EXIT_FAIL;
	if (merge)
		return merge_dirs(o.dist, argc - 1, argv + 1);
	char *def = o.lock ? NULL : path_join(o.dist, "pyodide-lock.json");
	int status = add_wheels(o.lock ? o.lock : def, o.dist, argc - 1, argv + 1);
	free(def);
	return status;
}

const struct kiln_cmd cmd_lockfile = {
	.name = "lockfile",
	.run = run,
	.summary = "edit pyodide-lock.json (add-wheels: add out-of-tree wheels; merge: shards)",
	.synopsis = "lockfile add-wheels [--lock FILE] [--dist DIR] "
		    "WHEEL|NAME-tests.tar|NAME-VERSION.zip...\n"
		    "       kiln lockfile merge [--dist DIR] SHARD-DIST...",
	.details = "A NAME-tests.tar archive (unvendored tests) adds the entry NAME-tests; a\n"
		   "NAME-VERSION.zip adds a shared library (unpacked into the runtime's library\n"
		   "directory). Wheels may depend on either kind given in the same call.\n\n"
		   "merge copies the packages of several dist/ directories (the shards of\n"
		   "build-recipes --shard) into --dist with one pyodide-lock.json: the runtime's\n"
		   "lockfile with every entry whose file a directory holds, checked against its\n"
		   "sha256; a package that two directories hold differently is an error.",
	.opts = options,
};

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "toolchain/hostpython.h"

extern const struct kiln_cmd cmd_py_compile;

/* Wheels whose .py files are replaced by .pyc compiled by the host Python of the
 * target's version (as `pyodide py-compile` does): smaller, and imported without
 * compiling in the browser. */

/* compiles DIR/N.py to DIR/N.pyc for each "N.py<TAB>archive name" line of stdin;
 * prints "archive name<TAB>reason" for each file that does not compile. Hash-based
 * unchecked .pyc hold no time stamp: the same source gives the same bytes. */
static const char compile_script[] =
	"import os, py_compile, sys\n"
	"root = sys.argv[1]\n"
	"mode = py_compile.PycInvalidationMode.UNCHECKED_HASH\n"
	"for line in sys.stdin.read().splitlines():\n"
	"    tmp, name = line.split('\\t', 1)\n"
	"    src = os.path.join(root, tmp)\n"
	"    try:\n"
	"        py_compile.compile(src, cfile=src + 'c', dfile=name, doraise=True,\n"
	"                           invalidation_mode=mode)\n"
	"    except py_compile.PyCompileError as e:\n"
	"        msg = ' '.join(str(e.exc_value).split())\n"
	"        print(name + '\\t' + e.exc_type_name + ': ' + msg)\n";

struct pyc {
	const char *python;
	char *own_python;  /* Debian's interpreter of the target's minor (toolchain/hostpython) */
	int major, minor;  /* of the target */
	char *pytag;       /* "cp311" */
	bool keep;         /* keep the input wheel when the name changes */
	struct cmd_target t;
};

/* the major.minor of the host Python, which must be the target's: the host's own, else
 * (3.13, 3.14) Debian's unpacked into the cache */
static bool check_host(struct pyc *c)
{
	int have = -1;
	if (c->major == 3 && !c->own_python && hostpython_minor(c->python, &have) &&
		have != c->minor && hostpython_suite(c->minor)) {
		if (!(c->own_python = hostpython_get(c->minor, config_cache_dir())))
			return false;
		c->python = c->own_python;
	}
	struct strv argv = {0};
	strv_add(&argv, c->python);
	strv_add(&argv, "-c");
	strv_add(&argv, "import sys; print('%d.%d' % sys.version_info[:2])");
	struct buf out = {0};
	int st = 0, major = 0, minor = 0;
	bool ok = proc_capture(argv.v, NULL, &out, NULL, &st) && st == 0 && out.s &&
		sscanf(out.s, "%d.%d", &major, &minor) == 2;
	if (!ok)
		log_err("cannot run the host Python %s", c->python);
	else if (major != c->major || minor != c->minor) {
		log_err("the host Python %s is %d.%d but the target runtime is Python %d.%d: .pyc "
			"files only load in the version that wrote them (set KILN_PYTHON to a "
			"Python %d.%d)", c->python, major, minor, c->major, c->minor, c->major, c->minor);
		ok = false;
	}
	buf_free(&out);
	strv_free(&argv);
	return ok;
}

static bool target_version(const struct lock *l, struct pyc *c)
{
	const char *v = lock_info(l, "python");
	if (!v || sscanf(v, "%d.%d", &c->major, &c->minor) != 2) {
		log_err("the lockfile's info.python is %s, not a Python version", v ? v : "missing");
		return false;
	}
	c->pytag = xasprintf("cp%d%d", c->major, c->minor);
	return true;
}

/* the tags of the compiled wheel: the interpreter becomes the target's CPython */
static bool new_tags(const struct wheel *w, const struct pyc *c, struct strv *out)
{
	for (size_t i = 0; i < w->meta.tags.n; i++) {
		const char *tag = w->meta.tags.v[i];
		const char *dash = strchr(tag, '-');
		if (!dash)
			continue;
		size_t n = (size_t)(dash - tag);
		bool abi3 = str_startswith(dash, "-abi3-");
		if (n >= 3 && strncmp(tag, "py2", 3) == 0)
			continue;
		bool ok = (n >= 3 && strncmp(tag, "py3", 3) == 0) ||
			(n == strlen(c->pytag) && strncmp(tag, c->pytag, n) == 0) ||
			(abi3 && n >= 3 && strncmp(tag, "cp3", 3) == 0);
		if (!ok) {
			log_err("%s: tagged %s, which Python %d.%d cannot load", w->origin, tag,
				c->major, c->minor);
			strv_free(out);
			return false;
		}
		char *nt = xasprintf("%s%s", c->pytag, dash);
		if (strv_has(out, nt))
			free(nt);
		else
			strv_push(out, nt);
	}
	if (out->n != 1) {
		log_err("%s: %s tags after compiling (%zu): kiln writes wheels with one", w->origin,
			out->n ? "several" : "no", out->n);
		strv_free(out);
		return false;
	}
	return true;
}

static bool compilable(const struct wheel *w, const char *name)
{
	size_t dl = strlen(w->dist_info);
	if (strncmp(name, w->dist_info, dl) == 0 && name[dl] == '/')
		return false;
	const char *slash = strchr(name, '/');
	if (slash && slash - name > 5 && strncmp(slash - 5, ".data", 5) == 0 &&
		str_startswith(slash + 1, "scripts/"))
		return false;
	return str_endswith(name, ".py") && !strchr(name, '\n') && !strchr(name, '\t');
}

/* compile the .py files of w through the host Python in tmp; reports kept files */
static bool compile_files(struct wheel *w, const struct pyc *c, const char *tmp,
	size_t *compiled, size_t *kept)
{
	struct strv names = {0};
	struct buf in = {0};
	bool ok = true;
	for (size_t i = 0; i < w->n; i++) {
		const char *name = w->files[i].name;
		if (str_endswith(name, ".pyc") && strstr(name, "__pycache__/"))
			continue;
		if (!compilable(w, name))
			continue;
		char *tp = xasprintf("%s/%zu.py", tmp, names.n);
		if (!write_file_atomic(tp, w->files[i].data, w->files[i].size)) {
			log_err("%s: %s", tp, strerror(errno));
			ok = false;
		}
		buf_printf(&in, "%zu.py\t%s\n", names.n, name);
		strv_add(&names, name);
		free(tp);
	}
	/* stale caches of another interpreter go */
	for (size_t i = w->n; i-- > 0;)
		if (str_endswith(w->files[i].name, ".pyc") && strstr(w->files[i].name, "__pycache__/"))
			wheel_remove(w, w->files[i].name);
	struct buf out = {0}, err = {0};
	int st = 0;
	if (ok && names.n) {
		struct strv argv = {0};
		strv_add(&argv, c->python);
		strv_add(&argv, "-c");
		strv_add(&argv, compile_script);
		strv_add(&argv, tmp);
		ok = proc_capture(argv.v, in.s, &out, &err, &st) && st == 0;
		strv_free(&argv);
		if (!ok)
			log_err("compiling with %s failed (status %d): %s", c->python, st,
				err.s ? err.s : "");
	}
	for (size_t i = 0; ok && i < names.n; i++) {
		char *pyc = xasprintf("%s/%zu.pyc", tmp, i);
		size_t len;
		char *data = read_file(pyc, &len);
		if (data) {
			char *cn = xasprintf("%sc", names.v[i]);
			struct wheel_file *f = wheel_find(w, names.v[i]);
			wheel_put(w, cn, data, len, f && f->exec);
			wheel_remove(w, names.v[i]);
			free(cn);
			(*compiled)++;
		} else {
			(*kept)++;
		}
		free(data);
		free(pyc);
	}
	for (char *line = out.s, *nl; ok && line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *tab = strchr(line, '\t');
		if (tab) {
			*tab = '\0';
			log_warn("%s: kept %s as source: %s", w->origin, line, tab + 1);
		}
	}
	buf_free(&out);
	buf_free(&err);
	buf_free(&in);
	strv_free(&names);
	return ok;
}

/* compile one wheel into the same directory; *out_path gets the result */
static bool compile_wheel(const char *path, const struct pyc *c, char **out_path)
{
	struct wheel *w = wheel_check(path);
	struct strv tags = {0};
	char *tmpl = NULL, *dir = NULL, *name = NULL;
	size_t compiled = 0, kept = 0;
	bool ok = false;
	*out_path = NULL;
	if (!w || !new_tags(w, c, &tags))
		goto out;
	const char *td = getenv("TMPDIR");
	tmpl = xasprintf("%s/kiln-pyc-XXXXXX", td && *td ? td : "/tmp");
	if (!mkdtemp(tmpl)) {
		log_err("%s: %s", tmpl, strerror(errno));
		free(tmpl);
		tmpl = NULL;
		goto out;
	}
	if (!compile_files(w, c, tmpl, &compiled, &kept))
		goto out;
	wheel_set_tags(w, &tags, w->meta.root_is_purelib);
	name = wheel_file_name(w);
	dir = path_dirname(path);
	*out_path = path_join(dir, name);
	if (!wheel_write(w, *out_path))
		goto out;
	if (strcmp(path_basename(path), name) != 0 && !c->keep && unlink(path) != 0) {
		log_err("%s: %s", path, strerror(errno));
		goto out;
	}
	printf("%s -> %s (%zu compiled, %zu kept as source)\n", path_basename(path), name,
		compiled, kept);
	ok = true;
out:
	if (tmpl)
		remove_tree(tmpl);
	if (!ok) {
		free(*out_path);
		*out_path = NULL;
	}
	strv_free(&tags);
	wheel_free(w);
	free(tmpl);
	free(dir);
	free(name);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every wheel of a dist directory; entries of its pyodide-lock.json follow */
static bool compile_dir(const char *dir, struct pyc *c)
{
	char *lockpath = path_join(dir, "pyodide-lock.json");
	struct lock *l = lock_load(lockpath);
	struct strv wheels = {0};
	bool ok = false;
	DIR *d = NULL;
	if (!l || !target_version(l, c) || !check_host(c))
		goto out;
	if (!(d = opendir(dir))) {
		log_err("%s: %s", dir, strerror(errno));
		goto out;
	}
	for (struct dirent *e; (e = readdir(d));)
		if (str_endswith(e->d_name, ".whl") && e->d_name[0] != '.')
			strv_push(&wheels, path_join(dir, e->d_name));
	if (wheels.n)
		qsort(wheels.v, wheels.n, sizeof(*wheels.v), cmp_str);
	ok = true;
	for (size_t i = 0; ok && i < wheels.n; i++) {
		char *out = NULL;
		struct wheel_name wn;
		struct lock_pkg p;
		char sha[65];
		if (!(ok = compile_wheel(wheels.v[i], c, &out)))
			break;
		if (wheel_name_parse(wheels.v[i], &wn)) {
			if (lock_get(l, wn.dist, &p)) {
				if (strcmp(p.file_name, path_basename(wheels.v[i])) == 0) {
					if (!(ok = hash_sha256_file(out, sha)))
						log_err("%s: %s", out, strerror(errno));
					free(p.file_name);
					p.file_name = xstrdup(path_basename(out));
					free(p.sha256);
					p.sha256 = xstrdup(sha);
					lock_set(l, &p);
				}
				lock_pkg_free(&p);
			}
			wheel_name_free(&wn);
		}
		free(out);
	}
	if (ok)
		ok = lock_write(l, lockpath);
out:
	if (d)
		closedir(d);
	strv_free(&wheels);
	lock_free(l);
	free(lockpath);
	return ok;
}

static const struct cmd_opt options[] = {
	{"keep", 0, NULL, "keep the input wheel when the compiled one has another name",
		CMD_FLAG(struct pyc, keep)},
	CMD_TARGET_OPTS(struct pyc, t),
	{0},
};

static int run(int argc, char **argv)
{
	struct pyc c = {.python = config_host_python()};
	if (!cmd_parse(&cmd_py_compile, &argc, argv, &c))
		return EXIT_USAGE;
	if (argc < 2)
		return cmd_usage_error(&cmd_py_compile, "no WHEEL or DIR given");
	if (argc > 2)
		return cmd_usage_error(&cmd_py_compile, "one WHEEL or DIR at a time");
	if (!cmd_select_target(&c.t))
		return EXIT_FAIL;
	const char *input = argv[1];
	bool ok = false;
	if (path_is_dir(input)) {
		ok = compile_dir(input, &c);
	} else if (str_endswith(input, ".whl") && !path_is_file(input)) {
		/* before an interpreter of the target's minor may be fetched */
		log_err("%s: no such wheel", input);
	} else if (str_endswith(input, ".whl")) {
		char *rt = path_join(config_pyodide_dir(), "pyodide-lock.json");
		struct lock *l = lock_load(rt);
		char *out = NULL;
		ok = l && target_version(l, &c) && check_host(&c) && compile_wheel(input, &c, &out);
		free(out);
		lock_free(l);
		free(rt);
	} else {
		log_err("%s: not a wheel or a directory", input);
	}
	free(c.pytag);
	free(c.own_python);
	return ok ? EXIT_OK : EXIT_FAIL;
}

const struct kiln_cmd cmd_py_compile = {
	.name = "py-compile",
	.run = run,
	.summary = "replace the .py files of wheels by .pyc of the target's Python",
	.synopsis = "py-compile [--keep] WHEEL|DIR",
	.details = "Each .py file outside the .dist-info (and .data/scripts) becomes a .pyc\n"
		"written by the host Python ($KILN_PYTHON) when it has the target's\n"
		"major.minor, else by Debian's Python 3.13/3.14 kept in the cache; files that do not compile stay .py (with a warning). The\n"
		".pyc are hash-based and unchecked, so the output is reproducible. Pure\n"
		"wheels are retagged py3-none-any -> cp311-none-any. A DIR is a dist\n"
		"directory: every wheel in it is compiled and its pyodide-lock.json entries\n"
		"get the new file_name and sha256. A WHEEL is compiled for the configured\n"
		"Pyodide runtime ($KILN_PYODIDE).",
	.opts = options,
};

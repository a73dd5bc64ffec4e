#include "toolchain/crossenv_setup.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "toolchain/argv.h"
#include "toolchain/compat_setup.h"
#include "toolchain/emtoolchain.h"
#include "toolchain/hostpython.h"
#include "toolchain/pyheaders.h"
#include "toolchain/runtime.h"
#include "toolchain/wrap.h"
#include "version.h"

/* bump when the layout or crossenv.conf changes: it is part of the id */
#define CROSSENV_FORMAT 9
/* add "name sha256" of a file to the id material */
static bool hash_into(struct buf *m, const char *label, const char *path)
{
	char h[65];
	if (!hash_sha256_file(path, h)) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	buf_printf(m, "%s %s\n", label, h);
	return true;
}

/* the target's facts from the runtime directory (either lock format) */
static bool read_runtime(struct crossenv *ce, const char *dist)
{
	struct runtime rt;
	if (!runtime_load(dist, &rt))
		return false;
	ce->pyodide_dir = xstrdup(rt.dir);
	ce->pyodide_version = xstrdup(rt.version);
	ce->python_version = xstrdup(rt.python);
	ce->abi_version = xstrdup(rt.abi_version);
	ce->runtime_platform = xstrdup(rt.platform);
	ce->platform = runtime_wheel_platform(rt.abi_version, rt.platform, rt.arch, false);
	ce->platform_legacy = runtime_wheel_platform(rt.abi_version, rt.platform, rt.arch, true);
	if (str_startswith(rt.platform, "emscripten_")) {
		ce->runtime_emsdk = xstrdup(rt.platform + strlen("emscripten_"));
		for (char *s = ce->runtime_emsdk; *s; s++)
			if (*s == '_')
				*s = '.';
	} else {
		ce->runtime_emsdk = xstrdup("unknown");
	}
	crossenv_parse_version(ce);
	runtime_free(&rt);
	return true;
}

struct sysconfig_find {
	const char *zip;
	struct buf text;
	char *name;
};

static enum arc_step sysconfig_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct sysconfig_find *f = ctx;
	const char *p = archive_entry_pathname(e);
	const char *base = p ? path_basename(p) : "";
	if (!str_startswith(base, "_sysconfigdata_") || !str_endswith(base, ".py") ||
		strchr(p, '/'))
		return ARC_NEXT;
	if (arc_entry_data(a, &f->text, SIZE_MAX) < 0) {
		log_err("%s: %s: %s", f->zip, p, archive_error_string(a));
		return ARC_FAIL;
	}
	f->name = xstrndup(base, strlen(base) - 3);
	return ARC_STOP;
}

/* the _sysconfigdata file at the top of python_stdlib.zip; its module name in *name */
static char *read_sysconfigdata(const char *zip, char **name)
{
	struct sysconfig_find f = {.zip = zip};
	const struct arc_source src = {.path = zip, .formats = ARC_ZIP};
	if (arc_each(&src, sysconfig_entry, &f) && !f.name)
		log_err("%s: no _sysconfigdata_*.py at the top of the archive "
			"(not a Pyodide distribution?)", zip);
	if (!f.name) {
		buf_free(&f.text);
		return NULL;
	}
	*name = f.name;
	return buf_take(&f.text);
}

/* Facts about the host Python, and the target's build_time_vars evaluated from the
 * sysconfigdata file on stdin without running it: its syntax tree, where a value is a
 * literal, an f-string over names assigned before, or os.environ.get(NAME, DEFAULT)
 * (the default: the target's own build-time value); anything else is refused. */
static const char probe_py[] =
	"import ast, json, sys, sysconfig, os\n"
	"o = {'version': '%d.%d.%d' % sys.version_info[:3],\n"
	"     'include': sysconfig.get_paths()['include'],\n"
	"     'ext_suffix': sysconfig.get_config_var('EXT_SUFFIX') or '',\n"
	"     'multiarch': sysconfig.get_config_var('MULTIARCH') or ''}\n"
	"s = 'deb_system' if 'deb_system' in sysconfig.get_scheme_names() else None\n"
	"o['purelib'] = sysconfig.get_paths(s)['purelib'] if s else sysconfig.get_paths()['purelib']\n"
	"names = {}\n"
	"def part(v):\n"
	"    if isinstance(v, ast.Constant): return str(v.value)\n"
	"    if (isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name) and\n"
	"            v.value.id in names and v.conversion == -1 and v.format_spec is None):\n"
	"        return str(names[v.value.id])\n"
	"    raise SystemExit('_sysconfigdata line %d: an f-string part kiln does not evaluate' % v.lineno)\n"
	"def ev(n):\n"
	"    if isinstance(n, ast.Constant): return n.value\n"
	"    if isinstance(n, ast.JoinedStr): return ''.join(part(v) for v in n.values)\n"
	"    if isinstance(n, ast.Dict) and None not in n.keys:\n"
	"        return {ev(k): ev(v) for k, v in zip(n.keys, n.values)}\n"
	"    if (isinstance(n, ast.Call) and ast.unparse(n.func) == 'os.environ.get' and\n"
	"            len(n.args) == 2 and not n.keywords): return ev(n.args[1])\n"
	"    raise SystemExit('_sysconfigdata line %d: %s is not a value kiln evaluates' % (n.lineno, ast.unparse(n)[:60]))\n"
	"for n in ast.parse(sys.stdin.read()).body:\n"
	"    if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):\n"
	"        names[n.targets[0].id] = ev(n.value)\n"
	"if 'build_time_vars' in names: o['vars'] = names['build_time_vars']\n"
	"json.dump(o, sys.stdout)\n";

static cJSON *probe_python(const char *python, const char *sysconfigdata)
{
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int st = -1;
	cJSON *j = NULL;
	strv_add(&argv, python);
	strv_add(&argv, "-I");
	strv_add(&argv, "-c");
	strv_add(&argv, probe_py);
	if (!proc_capture(argv.v, sysconfigdata, &out, &err, &st))
		goto out;
	if (st != 0) {
		log_err("%s failed (status %d) reading the host facts and the target's "
			"build_time_vars: %s", python, st, err.s ? err.s : "");
		goto out;
	}
	j = cJSON_Parse(out.s ? out.s : "");
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "vars"))) {
		log_err("the target's _sysconfigdata has no build_time_vars dict");
		cJSON_Delete(j);
		j = NULL;
	}
out:
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

/* Python.h of dir: PY_MAJOR_VERSION and PY_MINOR_VERSION, false when unreadable */
static bool header_version(const char *dir, int *major, int *minor)
{
	char *path = path_join(dir, "patchlevel.h");
	char *text = read_file(path, NULL);
	const char *ma = text ? strstr(text, "#define PY_MAJOR_VERSION") : NULL;
	const char *mi = text ? strstr(text, "#define PY_MINOR_VERSION") : NULL;
	bool ok = ma && mi &&
		sscanf(ma, "#define PY_MAJOR_VERSION %d", major) == 1 &&
		sscanf(mi, "#define PY_MINOR_VERSION %d", minor) == 1;
	free(text);
	free(path);
	return ok;
}

/* the target's headers from Debian's libpython3.X-dev (toolchain/pyheaders), cached under
 * the cache's pyheaders/ */
static bool debian_headers(struct crossenv *ce, const char *tver)
{
	if (ce->py_major != 3) {
		log_err("no headers for Python %s (the target, Pyodide %s): give --python-include "
			"DIR (or $KILN_PYTHON_INCLUDE)", tver, ce->pyodide_version);
		return false;
	}
	char *dir = path_join(config_cache_dir(), "pyheaders");
	struct pyheaders h = {0};
	bool ok = pyheaders_get(ce->py_minor, dir, &h);
	free(dir);
	if (ok)
		ce->python_include = xstrdup(h.include_dir);
	pyheaders_free(&h);
	return ok;
}

/* The directory the environment's Python headers come from: include (--python-include),
 * else the host Python's when its major.minor is the target's. Refuses headers of another
 * Python than the target's. */
static bool choose_headers(struct crossenv *ce, const char *tver, const char *include)
{
	int major = 0, minor = 0;
	if (!include) {
		/* Debian's interpreter unpacked by kiln (toolchain/hostpython) has no headers */
		if (str_startswith(ce->host_python_version, tver) &&
			ce->host_python_version[strlen(tver)] == '.' && path_is_dir(ce->host_include)) {
			ce->python_include = xstrdup(ce->host_include);
			return true;
		}
		return debian_headers(ce, tver);
	}
	char *py_h = path_join(include, "Python.h");
	bool has = path_is_file(py_h);
	free(py_h);
	if (!has || !header_version(include, &major, &minor)) {
		log_err("%s: no Python.h and patchlevel.h (give a Python %s include directory, "
			"e.g. .../include/python%s)", include, tver,
			tver);
		return false;
	}
	if (major != ce->py_major || minor != ce->py_minor) {
		log_err("%s: headers of Python %d.%d, but the target (Pyodide %s) is Python %s: "
			"give --python-include a Python %s include directory", include, major, minor,
			ce->pyodide_version, ce->python_version, tver);
		return false;
	}
	ce->python_include = realpath(include, NULL);
	if (!ce->python_include)
		ce->python_include = xstrdup(include);
	return true;
}

/* the host's and the target's facts from the probe; refuses a distribution that
 * contradicts itself and headers of another Python than the target's */
static bool python_facts(struct crossenv *ce, const char *dist, const cJSON *probe,
	const char *include)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(probe, "vars");
	const char *tver = jstr(vars, "VERSION");
	ce->host_python_version = xstrdup(jstr(probe, "version"));
	ce->host_include = xstrdup(jstr(probe, "include"));
	ce->host_ext_suffix = xstrdup(jstr(probe, "ext_suffix"));
	ce->host_site_packages = xstrdup(jstr(probe, "purelib"));
	ce->ext_suffix = xstrdup(jstr(vars, "EXT_SUFFIX"));
	ce->soabi = xstrdup(jstr(vars, "SOABI"));
	ce->target_includepy = xstrdup(jstr(vars, "INCLUDEPY"));
	char *lock_ver = xasprintf("%d.%d", ce->py_major, ce->py_minor);
	bool consistent = strcmp(tver, lock_ver) == 0;
	free(lock_ver);
	if (!consistent) {
		log_err("%s: inconsistent distribution: pyodide-lock.json says Python %s, its "
			"_sysconfigdata says %s", dist, ce->python_version, tver);
		return false;
	}
	if (!*ce->ext_suffix) {
		log_err("%s: no EXT_SUFFIX in the target's _sysconfigdata", dist);
		return false;
	}
	if (!choose_headers(ce, tver, include))
		return false;
	if (!path_is_dir(ce->python_include)) {
		log_err("no Python headers at '%s' (install python%s-dev)", ce->python_include,
			tver);
		return false;
	}
	return true;
}

/* The backends run under a Python of the target's minor (they tag wheels from the running
 * interpreter): when the host's is another, Debian's (toolchain/hostpython) becomes
 * host_python and the host facts are probed again from it; the headers stay the target's
 * (python_facts chose them). */
static bool target_minor_python(struct crossenv *ce, const char *sysconfig_src, cJSON **probe)
{
	char *tver = xasprintf("%d.%d.", ce->py_major, ce->py_minor);
	bool same = str_startswith(ce->host_python_version, tver);
	free(tver);
	if (same)
		return true;
	char *py = hostpython_get(ce->py_minor, config_cache_dir());
	cJSON *p = py ? probe_python(py, sysconfig_src) : NULL;
	if (!p) {
		free(py);
		return false;
	}
	cJSON_Delete(*probe);
	*probe = p;
	free(ce->host_python);
	free(ce->host_python_version);
	free(ce->host_include);
	free(ce->host_ext_suffix);
	free(ce->host_site_packages);
	ce->host_python = py;
	ce->host_python_version = xstrdup(jstr(p, "version"));
	ce->host_include = xstrdup(jstr(p, "include"));
	ce->host_ext_suffix = xstrdup(jstr(p, "ext_suffix"));
	ce->host_site_packages = xstrdup(jstr(p, "purelib"));
	return true;
}

/* a runtime with an ABI version (2024_0 and later) needs wasm exceptions, wasm SjLj and
 * BigInt side modules: Emscripten EMTC_MIN_ABI_EMSCRIPTEN or later */
static bool toolchain_serves(const struct crossenv *ce)
{
	int a = 0, b = 0, c = 0, ma = 0, mb = 0, mc = 0;
	if (!*ce->abi_version)
		return true;
	sscanf(ce->emcc_version, "%d.%d.%d", &a, &b, &c);
	sscanf(EMTC_MIN_ABI_EMSCRIPTEN, "%d.%d.%d", &ma, &mb, &mc);
	if (a > ma || (a == ma && (b > mb || (b == mb && c >= mc))))
		return true;
	log_err("%s is Emscripten %s, which cannot serve Pyodide %s (ABI %s: wasm exceptions and "
		"wasm setjmp/longjmp need Emscripten %s or later): unset EMSDK to use Debian's %s, "
		"or point EMSDK at an emsdk %s", ce->emcc, ce->emcc_version, ce->pyodide_version,
		ce->abi_version, EMTC_MIN_ABI_EMSCRIPTEN, EMTC_DEBIAN_VERSION, ce->runtime_emsdk);
	return false;
}

/* emcc, the directory of the emscripten toolchain and its version */
static bool find_toolchain(struct crossenv *ce)
{
	char *emcc = emtc_emcc_for(ce->abi_version);
	if (!emcc)
		return false;
	char *real = realpath(emcc, NULL);
	ce->emcc = emcc;
	ce->emscripten_root = real ? path_dirname(real) : path_dirname(emcc);
	free(real);
	char *vfile = path_join(ce->emscripten_root, "emscripten-version.txt");
	char *v = read_file(vfile, NULL);
	free(vfile);
	if (!v) {
		log_err("%s: no emscripten-version.txt next to emcc (%s)", ce->emscripten_root,
			ce->emcc);
		return false;
	}
	struct buf vb = {0};
	for (char *s = v; *s; s++)
		if (*s != '"' && *s != '\n' && *s != ' ')
			buf_putc(&vb, *s);
	free(v);
	ce->emcc_version = buf_take(&vb);
	return toolchain_serves(ce);
}

/* The pyconfig.h whose names the environment's is written over: Debian's multiarch one
 * beside the headers (<include>/../<multiarch>/pythonX.Y/pyconfig.h), else theirs. */
static char *pyconfig_template(const struct crossenv *ce, const cJSON *probe)
{
	const char *ma = jstr(probe, "multiarch");
	char *parent = path_dirname(ce->python_include);
	char *tmpl = *ma ? xasprintf("%s/%s/python%d.%d/pyconfig.h", parent, ma, ce->py_major,
				   ce->py_minor)
			 : NULL;
	free(parent);
	if (!tmpl || !path_is_file(tmpl)) {
		free(tmpl);
		tmpl = path_join(ce->python_include, "pyconfig.h");
	}
	return tmpl;
}

/* the Python headers and the pyconfig.h template into the id material */
static bool hash_host_headers(const struct crossenv *ce, const cJSON *probe, struct buf *m)
{
	struct strv files = {0};
	bool ok = true;
	crossenv_files(ce->python_include, &files);
	for (size_t i = 0; i < files.n && ok; i++) {
		char *p = path_join(ce->python_include, files.v[i]);
		ok = hash_into(m, files.v[i], p);
		free(p);
	}
	strv_free(&files);
	char *tmpl = pyconfig_template(ce, probe);
	ok = ok && hash_into(m, "pyconfig-template", tmpl);
	free(tmpl);
	return ok;
}

/* the toolchain's files and settings into the id material */
static bool hash_toolchain(const struct crossenv *ce, struct buf *m)
{
	static const char *const files[] = {"emcc.py", ".emscripten"};
	bool ok = true;
	buf_printf(m, "emcc %s %s\n", ce->emcc, ce->emcc_version);
	for (size_t i = 0; i < ARRAY_LEN(files) && ok; i++) {
		char *p = path_join(ce->emscripten_root, files[i]);
		if (path_is_file(p))
			ok = hash_into(m, files[i], p);
		free(p);
	}
	if (!ok)
		return false;
	for (size_t i = 0; i < ce->em_env.n; i++)
		buf_printf(m, "env %s\n", ce->em_env.v[i]);
	const char *emsdk = getenv("EMSDK");
	buf_printf(m, "EMSDK=%s\n", emsdk ? emsdk : "");
	return true;
}

/* Everything the id is derived from, into the id material m; fills the cheap facts of
 * ce on the way. */
static bool gather_inputs(struct crossenv *ce, const char *dist, const char *include,
	char **sysconfig_src, cJSON **probe, struct buf *m)
{
	char *zip = path_join(dist, "python_stdlib.zip");
	char *lock = path_join(dist, "pyodide-lock.json");
	char *kiln = realpath("/proc/self/exe", NULL);
	bool ok = false;
	if (!read_runtime(ce, dist) ||
		!(*sysconfig_src = read_sysconfigdata(zip, &ce->sysconfigdata)))
		goto out;
	ce->host_python = xstrdup(config_host_python());
	if (!(*probe = probe_python(ce->host_python, *sysconfig_src)) ||
		!python_facts(ce, dist, *probe, include) ||
		!target_minor_python(ce, *sysconfig_src, probe) || !find_toolchain(ce))
		goto out;
	crossenv_em_env_now(&ce->em_env);
	ce->kiln = kiln ? xstrdup(kiln) : xstrdup("kiln");
	ce->kiln_version = xstrdup(KILN_VERSION);
	buf_printf(m, "kiln %s %s format %d\n", KILN_VERSION, ce->kiln, CROSSENV_FORMAT);
	if (!hash_into(m, "pyodide-lock.json", lock) || !hash_into(m, "python_stdlib.zip", zip))
		goto out;
	buf_printf(m, "host-python %s %s\n", ce->host_python, ce->host_python_version);
	buf_printf(m, "python-include %s\n", ce->python_include);
	ok = hash_host_headers(ce, *probe, m) && hash_toolchain(ce, m) && compat_id(m);
out:
	free(zip);
	free(lock);
	free(kiln);
	return ok;
}

/* ---- building ---- */

static bool write_text(const char *dir, const char *rel, const char *text)
{
	char *p = path_join(dir, rel);
	char *d = path_dirname(p);
	bool ok = mkdir_p(d, 0755) && write_file_atomic(p, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", p, strerror(errno));
	free(d);
	free(p);
	return ok;
}

static bool copy_file(const char *from, const char *to)
{
	size_t n;
	char *data = read_file(from, &n);
	if (!data) {
		log_err("cannot read %s: %s", from, strerror(errno));
		return false;
	}
	char *d = path_dirname(to);
	bool ok = mkdir_p(d, 0755) && write_file_atomic(to, data, n);
	if (!ok)
		log_err("cannot write %s: %s", to, strerror(errno));
	free(d);
	free(data);
	return ok;
}

/* one pyconfig.h value of the target's build_time_vars, NULL when undefined */
static char *pyconfig_value(const cJSON *vars, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(vars, name);
	if (cJSON_IsNumber(v))
		return v->valuedouble == 0 ? NULL : xasprintf("%.0f", v->valuedouble);
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return NULL;
}

/* The host's multiarch pyconfig.h with every #define / #undef line's value replaced by
 * the target's (sysconfig stores `#undef X` as 0). */
static char *gen_pyconfig(const char *tmpl, const cJSON *vars, const struct crossenv *ce)
{
	char *text = read_file(tmpl, NULL);
	if (!text) {
		log_err("cannot read %s: %s", tmpl, strerror(errno));
		return NULL;
	}
	struct buf b = {0};
	buf_printf(&b, "/* pyconfig.h for %s (Python %s), generated by kiln from the target's\n"
		" * build_time_vars over the names of the host's pyconfig.h. */\n",
		ce->platform, ce->python_version);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char name[128];
		int len = 0;
		/* sysconfig's own pattern: "#define NAME value"; a bare "#define NAME" (the
		 * include guard) is not a config variable */
		if (sscanf(line, "#define %127[A-Za-z0-9_] %n", name, &len) == 1 && len > 0 &&
			line[len] != '\0' && name[0] >= 'A' && name[0] <= 'Z') {
			/* keep it */
		} else if (sscanf(line, "/* #undef %127[A-Za-z0-9_] */", name) == 1) {
			/* keep it */
		} else {
			buf_puts(&b, line);
			buf_putc(&b, '\n');
			continue;
		}
		char *v = pyconfig_value(vars, name);
		if (v)
			buf_printf(&b, "#define %s %s\n", name, v);
		else
			buf_printf(&b, "/* #undef %s */\n", name);
		free(v);
	}
	free(text);
	return buf_take(&b);
}

static bool copy_headers(const struct crossenv *ce, const char *tmp, const cJSON *probe)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(probe, "vars");
	char *incdir = xasprintf("%s/include/python%d.%d", tmp, ce->py_major, ce->py_minor);
	struct strv files = {0};
	bool ok = true;
	crossenv_files(ce->python_include, &files);
	for (size_t i = 0; i < files.n && ok; i++) {
		if (strcmp(files.v[i], "pyconfig.h") == 0)
			continue;
		char *from = path_join(ce->python_include, files.v[i]);
		char *to = path_join(incdir, files.v[i]);
		ok = copy_file(from, to);
		free(from);
		free(to);
	}
	strv_free(&files);
	char *tmpl = pyconfig_template(ce, probe);
	char *pc = ok ? gen_pyconfig(tmpl, vars, ce) : NULL;
	if (pc) {
		char *to = path_join(incdir, "pyconfig.h");
		if (!write_file_atomic(to, pc, strlen(pc))) {
			log_err("cannot write %s: %s", to, strerror(errno));
			ok = false;
		}
		free(to);
	} else {
		ok = false;
	}
	free(pc);
	free(tmpl);
	free(incdir);
	return ok;
}

/* what one emcc probe shows: the clang it runs, the flags emcc puts before the user's
 * arguments, and the user's arguments as emcc passed them on */
struct em_probe {
	char *clang;
	struct strv cflags, passed;
};

static void em_probe_free(struct em_probe *p)
{
	free(p->clang);
	strv_free(&p->cflags);
	strv_free(&p->passed);
	memset(p, 0, sizeof(*p));
}

/* find, in a line of `emcc -v ... -c src -o obj` output, the clang command:
 * clang <cflags> -v <passed> -c src -o obj */
static bool em_probe_line(char *line, const char *src, const char *obj, struct em_probe *p)
{
	struct strv w = {0};
	argv_split(line, &w);
	size_t n = w.n, v = 0;
	bool ok = false;
	if (n > 5 && !str_startswith(w.v[1], "-cc1") && strcmp(w.v[n - 4], "-c") == 0 &&
		strcmp(w.v[n - 3], src) == 0 && strcmp(w.v[n - 2], "-o") == 0 &&
		strcmp(w.v[n - 1], obj) == 0) {
		for (v = 1; v < n - 4 && strcmp(w.v[v], "-v") != 0; v++)
			;
		ok = v < n - 4;
	}
	if (ok) {
		p->clang = xstrdup(w.v[0]);
		for (size_t i = 1; i < v; i++)
			strv_add(&p->cflags, w.v[i]);
		for (size_t i = v + 1; i < n - 4; i++)
			strv_add(&p->passed, w.v[i]);
	}
	strv_free(&w);
	return ok;
}

/* The clang command emcc runs for `emcc -v ABI-FLAGS EXTRA -c src -o obj`. */
static bool probe_compiler(const struct crossenv *ce, const char *emcc, const char *src,
	const char *const *extra, struct em_probe *p)
{
	char *obj = xasprintf("%s.o", src);
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int st = -1;
	bool ok = false;
	strv_add(&argv, emcc);
	strv_add(&argv, "-v");
	for (const char *const *f = crossenv_abi_flags(ce); *f; f++)
		strv_add(&argv, *f);
	for (const char *const *f = extra; *f; f++)
		strv_add(&argv, *f);
	strv_add(&argv, "-c");
	strv_add(&argv, src);
	strv_add(&argv, "-o");
	strv_add(&argv, obj);
	if (!proc_capture(argv.v, NULL, &out, &err, &st))
		goto out;
	if (st != 0) {
		log_err("%s cannot compile a test file (status %d):\n%s", emcc, st,
			err.s ? err.s : "");
		goto out;
	}
	for (char *line = err.s, *next; line && *line && !ok; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ok = em_probe_line(line, src, obj, p);
	}
	if (!ok)
		log_err("cannot find the clang command in the output of '%s -v -c %s'", emcc, src);
out:
	strv_free(&argv);
	free(obj);
	buf_free(&out);
	buf_free(&err);
	return ok;
}

/* the tool next to clang with the same version suffix: clang-14 -> llvm-nm-14 */
static char *llvm_tool(const char *clang, const char *tool)
{
	char *dir = path_dirname(clang);
	const char *base = path_basename(clang);
	const char *dash = strchr(base, '-');
	char *p = xasprintf("%s/%s%s", dir, tool, dash ? dash : "");
	if (access(p, X_OK) != 0) {
		free(p);
		p = xasprintf("%s/%s", dir, tool);
	}
	free(dir);
	return p;
}

static const char probe_c[] =
	"#include <stdio.h>\n#include <string.h>\n#include <math.h>\n"
	"struct s { int a; double d; };\n"
	"static double f(struct s *p, int n) { double t = 0; for (int i = 0; i < n; i++)"
	" t += p[i].d * sqrt((double)p[i].a); return t; }\n"
	"int probe(const char *x) { struct s v[4] = {{1, 2.0}, {2, 3.0}, {3, 4.0}, {4, 5.0}};"
	" char b[32]; snprintf(b, sizeof b, \"%g\", f(v, 4)); return (int)strlen(b) + (int)strlen(x)"
	" + PROBE; }\n";
static const char probe_cxx[] =
	"#include <string>\n#include <vector>\n#include <algorithm>\n"
	"int probe(const char *x) { std::vector<std::string> v{x, \"b\", \"a\"};"
	" std::sort(v.begin(), v.end()); return (int)v[0].size() + PROBE; }\n";

/* compile src with emcc and with the fast path; true when the objects are identical */
static bool same_object(const struct crossenv *ce, const char *tmp, const char *tool,
	const char *src, const char *const *flags)
{
	struct strv a = {0}, fast = {0};
	char *eobj = xasprintf("%s/probe-emcc.o", tmp), *fobj = xasprintf("%s/probe-fast.o", tmp);
	bool same = false;
	strv_add(&a, tool);
	for (const char *const *f = crossenv_abi_flags(ce); *f; f++)
		strv_add(&a, *f);
	for (const char *const *f = flags; *f; f++)
		strv_add(&a, *f);
	strv_add(&a, "-c");
	strv_add(&a, src);
	strv_add(&a, "-o");
	size_t out_at = a.n;
	strv_add(&a, eobj);
	bool cxx = strcmp(tool, "c++") == 0;
	struct strv e = {0};
	strv_add(&e, cxx ? ce->emxx : ce->emcc);
	for (size_t i = 1; i < a.n; i++)
		strv_add(&e, a.v[i]);
	free(a.v[out_at]);
	a.v[out_at] = xstrdup(fobj);
	if (!wrap_fast_compile(ce, cxx, a.v + 1, a.n - 1, &fast)) {
		log_warn("the fast path does not take the probe command line");
		goto out;
	}
	int s1 = proc_system(e.v), s2 = proc_system(fast.v);
	if (s1 != 0 || s2 != 0) {
		log_warn("probe compile failed (emcc %d, direct %d)", s1, s2);
		goto out;
	}
	size_t n1, n2;
	char *b1 = read_file(eobj, &n1), *b2 = read_file(fobj, &n2);
	same = b1 && b2 && n1 == n2 && memcmp(b1, b2, n1) == 0;
	if (!same)
		log_warn("'%s' and the direct clang call give different objects for %s",
			e.v[0], src);
	free(b1);
	free(b2);
out:
	unlink(eobj);
	unlink(fobj);
	free(eobj);
	free(fobj);
	strv_free(&a);
	strv_free(&e);
	strv_free(&fast);
	return same;
}

static void take_list(struct strv *to, struct strv *from)
{
	strv_free(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

/* the probe's arguments as emcc passed them on, after the target ABI's flags that reach
 * clang (the settings, -s, do not); NULL when the ABI's flags are not there */
static const char *const *passed_after_abi(const struct crossenv *ce, const struct em_probe *p,
	size_t *n)
{
	size_t k = 0;
	for (const char *const *f = crossenv_abi_flags(ce); *f; f++) {
		if (str_startswith(*f, "-s"))
			continue;
		if (k >= p->passed.n || strcmp(p->passed.v[k], *f) != 0)
			return NULL;
		k++;
	}
	*n = p->passed.n - k;
	return (const char *const *)p->passed.v + k;
}

/* the flag -Oz adds to emcc's flags (placed after -fignore-exceptions, as 3.1.6 does),
 * "" when none; NULL when the lists differ otherwise */
static char *shrink_flag(const struct strv *base, const struct strv *shrunk)
{
	if (shrunk->n == base->n) {
		for (size_t i = 0; i < base->n; i++)
			if (strcmp(base->v[i], shrunk->v[i]) != 0)
				return NULL;
		return xstrdup("");
	}
	if (shrunk->n != base->n + 1)
		return NULL;
	size_t i = 0;
	while (i < base->n && strcmp(base->v[i], shrunk->v[i]) == 0)
		i++;
	if (i == 0 || strcmp(base->v[i - 1], "-fignore-exceptions") != 0)
		return NULL;
	for (size_t j = i; j < base->n; j++)
		if (strcmp(base->v[j], shrunk->v[j + 1]) != 0)
			return NULL;
	return xstrdup(shrunk->v[i]);
}

/* What emcc hands clang, read from its -v output (always with the target ABI's flags):
 * the C and C++ flag lists without and with -fPIC, what -g and -g1 become, what -Oz adds.
 * *model is set false when emcc does something the fast path does not reproduce. */
static bool learn_emcc(struct crossenv *ce, const char *csrc, const char *xsrc, bool *model)
{
	static const char *const none[] = {NULL}, *const pic[] = {"-fPIC", NULL};
	static const char *const pic_g[] = {"-fPIC", "-g", NULL};
	static const char *const oz_g1[] = {"-Oz", "-g1", NULL};
	struct em_probe c = {0}, cp = {0}, cz = {0}, x = {0}, xp = {0};
	bool ok = probe_compiler(ce, ce->emcc, csrc, none, &c) &&
		probe_compiler(ce, ce->emcc, csrc, pic_g, &cp) &&
		probe_compiler(ce, ce->emcc, csrc, oz_g1, &cz) &&
		probe_compiler(ce, ce->emxx, xsrc, none, &x) &&
		probe_compiler(ce, ce->emxx, xsrc, pic, &xp);
	if (ok) {
		ce->clang = xstrdup(c.clang);
		ce->clangxx = xstrdup(x.clang);
		take_list(&ce->cflags_c, &c.cflags);
		take_list(&ce->cflags_c_pic, &cp.cflags);
		take_list(&ce->cflags_cxx, &x.cflags);
		take_list(&ce->cflags_cxx_pic, &xp.cflags);
		size_t ng = 0, nz = 0;
		const char *const *g = passed_after_abi(ce, &cp, &ng);
		const char *const *z = passed_after_abi(ce, &cz, &nz);
		ce->fast_g = g && ng == 2 ? xstrdup(g[1]) : NULL;
		ce->fast_g_low = z && nz == 2 ? xstrdup(z[1]) : z && nz == 1 ? xstrdup("") : NULL;
		ce->fast_shrink = shrink_flag(&ce->cflags_c, &cz.cflags);
		*model = ce->fast_g && ce->fast_g_low && ce->fast_shrink;
		if (!*model)
			log_warn("emcc passes -g, -g1 or -Oz to clang in a way the fast path does not "
				"reproduce");
	}
	em_probe_free(&c);
	em_probe_free(&cp);
	em_probe_free(&cz);
	em_probe_free(&x);
	em_probe_free(&xp);
	return ok;
}

static bool detect_toolchain(struct crossenv *ce, const char *tmp)
{
	char *dir = path_dirname(ce->emcc);
	ce->emxx = path_join(dir, "em++");
	ce->emar = path_join(dir, "emar");
	ce->emranlib = path_join(dir, "emranlib");
	free(dir);
	char *work = path_join(tmp, "probe");
	char *csrc = path_join(work, "probe.c"), *xsrc = path_join(work, "probe.cpp");
	bool ok = false;
	if (!mkdir_p(work, 0755) || !write_text(work, "probe.c", "int probe(void) { return 1; }\n") ||
		!write_text(work, "probe.cpp", "int probe() { return 1; }\n"))
		goto out;
	bool model = true;
	if (!learn_emcc(ce, csrc, xsrc, &model))
		goto out;
	ce->llvm_nm = llvm_tool(ce->clang, "llvm-nm");
	ce->llvm_objdump = llvm_tool(ce->clang, "llvm-objdump");
	ce->llvm_strip = llvm_tool(ce->clang, "llvm-strip");
	ce->sysroot = xstrdup("");
	for (size_t i = 0; i < ce->cflags_c.n; i++)
		if (str_startswith(ce->cflags_c.v[i], "--sysroot=")) {
			free(ce->sysroot);
			ce->sysroot = xstrdup(ce->cflags_c.v[i] + strlen("--sysroot="));
		}
	/* prove the fast path on this toolchain before enabling it */
	if (!write_text(work, "probe.c", probe_c) || !write_text(work, "probe.cpp", probe_cxx))
		goto out;
	static const char *const f1[] = {"-O2", "-fPIC", "-DPROBE=1", NULL};
	static const char *const f2[] = {"-Oz", "-g", "-fvisibility=hidden", "-DPROBE=2", NULL};
	static const char *const f3[] = {"-O2", "-fPIC", "-std=c++17", "-DPROBE=3", NULL};
	ce->fastpath = model && same_object(ce, work, "cc", csrc, f1) &&
		same_object(ce, work, "cc", csrc, f2) && same_object(ce, work, "c++", xsrc, f3);
	if (!ce->fastpath)
		log_warn("compile lines will go through emcc (slow): the direct clang call is not "
			"byte-identical on this toolchain");
	ok = true;
out:
	unlink(csrc);
	unlink(xsrc);
	char *o1 = xasprintf("%s.o", csrc), *o2 = xasprintf("%s.o", xsrc);
	unlink(o1);
	unlink(o2);
	free(o1);
	free(o2);
	rmdir(work);
	free(csrc);
	free(xsrc);
	free(work);
	return ok;
}

/* run a test program as configure does (./conftest) with env_set on top of kiln's
 * environment, its output dropped; true when it exits 0 */
static bool conftest_runs(const char *exe, const char *const *env_set)
{
	const char *argv[] = {exe, NULL};
	struct proc_opts o = {.env_set = env_set, .out = {PROC_NULL}, .err = {PROC_NULL},
		.in = {PROC_NULL}, .timeout = 60, .shell_127 = true};
	int st = -1;
	return proc_run(argv, &o, &st) && st == 0;
}

/* Whether configure's test programs run: emcc links `conftest` in its autoconf mode
 * (a node script with a #! line), and the JS of older Emscripten loads the .wasm with
 * fetch() whenever node has one (Node >= 18), which fails on a file path. Records the
 * NODE_OPTIONS that make it run ("" when none are needed or none help). */
static bool probe_conftest(struct crossenv *ce, const char *tmp)
{
	char *work = path_join(tmp, "probe-conftest");
	char *exe = path_join(work, "conftest");
	bool ok = mkdir_p(work, 0755) && write_text(work, "conftest.c",
		"int main(void) { return 0; }\n");
	free(ce->node_options);
	ce->node_options = xstrdup("");
	if (!ok)
		goto out;
	/* as configure writes it: emcc's autoconf mode keys on the name "conftest.c" */
	const char *link[] = {ce->emcc, "conftest.c", "-o", "conftest", NULL};
	struct proc_opts o = {.cwd = work, .out = {PROC_NULL}, .err = {PROC_NULL},
		.in = {PROC_NULL}};
	int st = -1;
	if (!proc_run(link, &o, &st) || st != 0) {
		log_warn("emcc cannot link a test program; configure scripts will fail");
		goto out;
	}
	if (conftest_runs(exe, NULL))
		goto out;
	const char *fix = "--no-experimental-fetch";
	char *opt = crossenv_node_options(fix, getenv("NODE_OPTIONS"));
	char *set = xasprintf("NODE_OPTIONS=%s", opt);
	const char *env_set[] = {set, NULL};
	if (conftest_runs(exe, env_set)) {
		free(ce->node_options);
		ce->node_options = xstrdup(fix);
	} else {
		log_warn("a test program linked by emcc does not run under node: configure scripts "
			"that run their test programs will fail");
	}
	free(set);
	free(opt);
out:
	remove_tree(work);
	free(exe);
	free(work);
	return ok;
}

/* programs emcc links run under node with the recorded option: configure's and meson's
 * run checks, CMake's try_run */
static char *meson_cross(const struct crossenv *ce, const char *final)
{
	bool opt = *ce->node_options;
	return xasprintf(
		"# meson cross file for %s (Pyodide %s), written by kiln\n"
		"[binaries]\n"
		"c = '%s/bin/cc'\n"
		"cpp = '%s/bin/c++'\n"
		"ar = '%s/bin/ar'\n"
		"strip = '%s/bin/strip'\n"
		"fortran = '%s/bin/gfortran'\n"
		"exe_wrapper = ['node'%s%s%s]\n"
		"pkg-config = 'pkg-config'\n"
		"\n[properties]\n"
		"needs_exe_wrapper = true\n"
		"skip_sanity_check = true\n"
		"longdouble_format = 'IEEE_QUAD_LE'\n"
		"\n[host_machine]\n"
		"system = 'emscripten'\n"
		"cpu_family = 'wasm32'\n"
		"cpu = 'wasm32'\n"
		"endian = 'little'\n",
		ce->platform, ce->pyodide_version, final, final, final, final, final, opt ? ", '" : "",
		opt ? ce->node_options : "", opt ? "'" : "");
}

static char *cmake_toolchain(const struct crossenv *ce, const char *final)
{
	return xasprintf(
		"# CMake toolchain file for %s (Pyodide %s), written by kiln\n"
		"set(CMAKE_C_COMPILER \"%s/bin/cc\")\n"
		"set(CMAKE_CXX_COMPILER \"%s/bin/c++\")\n"
		"set(CMAKE_AR \"%s/bin/ar\" CACHE FILEPATH \"ar\")\n"
		"set(CMAKE_RANLIB \"%s/bin/ranlib\" CACHE FILEPATH \"ranlib\")\n"
		"set(EMSCRIPTEN_ROOT_PATH \"%s\")\n"
		"include(\"%s/cmake/Modules/Platform/Emscripten.cmake\")\n"
		"set(CMAKE_CROSSCOMPILING_EMULATOR \"node%s%s\" CACHE FILEPATH \"\")\n"
		"set(Python_INCLUDE_DIR \"%s/include/python%d.%d\")\n"
		"set(Python3_INCLUDE_DIR \"%s/include/python%d.%d\")\n"
		"set(PYTHON_INCLUDE_DIR \"%s/include/python%d.%d\")\n",
		ce->platform, ce->pyodide_version, final, final, final, final,
		ce->emscripten_root, ce->emscripten_root, *ce->node_options ? ";" : "",
		ce->node_options, final, ce->py_major, ce->py_minor, final,
		ce->py_major, ce->py_minor, final, ce->py_major, ce->py_minor);
}

static bool write_manifest(const char *tmp)
{
	struct strv files = {0};
	struct buf b = {0};
	bool ok = true;
	crossenv_files(tmp, &files);
	for (size_t i = 0; i < files.n && ok; i++) {
		char h[65];
		char *p = path_join(tmp, files.v[i]);
		if (!hash_sha256_file(p, h)) {
			log_err("cannot read %s: %s", p, strerror(errno));
			ok = false;
		}
		buf_printf(&b, "%s  %s\n", h, files.v[i]);
		free(p);
	}
	char *m = buf_take(&b);
	ok = ok && write_text(tmp, CROSSENV_MANIFEST, m);
	free(m);
	strv_free(&files);
	return ok;
}

static bool make_bin(const struct crossenv *ce, const char *tmp)
{
	char *bin = path_join(tmp, "bin");
	bool ok = mkdir_p(bin, 0755);
	for (size_t i = 0; i < crossenv_ntools && ok; i++) {
		char *l = path_join(bin, crossenv_tools[i]);
		if (symlink(ce->kiln, l) != 0) {
			log_err("cannot create %s: %s", l, strerror(errno));
			ok = false;
		}
		free(l);
	}
	free(bin);
	return ok;
}

static bool build(struct crossenv *ce, const char *root, const char *sysconfig_src,
	const cJSON *probe)
{
	char *tmp = xasprintf("%s/.tmp-%s-%ld", root, ce->id, (long)getpid());
	char *final = path_join(root, ce->id);
	bool ok = false;
	remove_tree(tmp);
	if (!mkdir_p(tmp, 0755)) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	ce->dir = xstrdup(tmp);
	char *scd = xasprintf("%s/%s.py", CROSSENV_SYSCONFIG_DIR, ce->sysconfigdata);
	bool wrote = write_text(tmp, scd, sysconfig_src);
	free(scd);
	const cJSON *tt = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(probe, "vars"), "SIZEOF_TIME_T");
	if (!wrote || !copy_headers(ce, tmp, probe) || !detect_toolchain(ce, tmp) ||
		!probe_conftest(ce, tmp) ||
		!compat_setup(ce, tmp, final, cJSON_IsNumber(tt) ? (int)tt->valuedouble : 0))
		goto out;
	char *meson = meson_cross(ce, final), *cmake = cmake_toolchain(ce, final);
	wrote = write_text(tmp, CROSSENV_MESON_CROSS, meson) &&
		write_text(tmp, CROSSENV_CMAKE_TOOLCHAIN, cmake);
	free(meson);
	free(cmake);
	char *conf = crossenv_conf_text(ce);
	wrote = wrote && write_text(tmp, CROSSENV_CONF, conf);
	free(conf);
	if (!wrote || !write_manifest(tmp) || !make_bin(ce, tmp))
		goto out;
	if (rename(tmp, final) != 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			log_err("cannot rename %s to %s: %s", tmp, final, strerror(errno));
			goto out;
		}
		/* set up concurrently by someone else: theirs is as good */
		remove_tree(tmp);
	}
	ok = true;
out:
	if (!ok)
		remove_tree(tmp);
	free(ce->dir);
	ce->dir = NULL;
	free(tmp);
	free(final);
	return ok;
}

/* ---- the fast path of a repeated setup ----
 * Setting up derives the id from the inputs' contents, which needs the host
 * Python and hashing the distribution. A stamp remembers, for one set of
 * locations (distribution, kiln, host Python, PATH, EMSDK, EM_* variables),
 * the id it led to and the identity (device, inode, size, mtime) of every
 * input file; while none of those changed, the id is still right. */

static char *stamp_path(const char *root, const char *dist, const char *include)
{
	struct buf k = {0};
	char *real = realpath(dist, NULL);
	char *kiln = realpath("/proc/self/exe", NULL);
	const char *path = getenv("PATH"), *emsdk = getenv("EMSDK");
	struct strv em = {0};
	crossenv_em_env_now(&em);
	buf_printf(&k, "stamp 2\n%s\n%s\n%s\n%s\n%s\n%s\n", real ? real : dist, kiln ? kiln : "",
		config_host_python(), path ? path : "", emsdk ? emsdk : "", include ? include : "");
	for (size_t i = 0; i < em.n; i++)
		buf_printf(&k, "%s\n", em.v[i]);
	struct strv compat_files = {0};
	compat_inputs(&compat_files, &k);
	strv_free(&compat_files);
	char h[65];
	hash_sha256_hex(k.s, k.len, h);
	h[16] = '\0';
	char *p = xasprintf("%s/stamps/%s", root, h);
	strv_free(&em);
	buf_free(&k);
	free(real);
	free(kiln);
	return p;
}

static bool stamp_line(struct buf *b, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	buf_printf(b, "%s\t%llu\t%llu\t%lld\t%lld.%09ld\n", path, (unsigned long long)st.st_dev,
		(unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		st.st_mtim.tv_nsec);
	return true;
}

/* the id a stamp vouches for, or NULL */
static char *stamp_check(const char *stamp)
{
	char *text = read_file(stamp, NULL);
	if (!text)
		return NULL;
	char *nl = strchr(text, '\n');
	char *id = NULL;
	bool ok = nl != NULL;
	for (char *line = nl ? nl + 1 : NULL; ok && line && *line;) {
		char *end = strchr(line, '\n');
		if (!end)
			break;
		*end = '\0';
		char *tab = strchr(line, '\t');
		struct buf now = {0};
		if (!tab) {
			ok = false;
		} else {
			*tab = '\0';
			ok = stamp_line(&now, line);
			*tab = '\t';
			ok = ok && now.len == (size_t)(end - line) + 1 &&
				memcmp(now.s, line, now.len - 1) == 0;
		}
		buf_free(&now);
		line = end + 1;
	}
	if (ok)
		id = xstrndup(text, (size_t)(nl - text));
	free(text);
	return id;
}

static void stamp_write(const char *stamp, const struct crossenv *ce, const char *dist)
{
	struct buf b = {0};
	buf_printf(&b, "%s\n", ce->id);
	char *lock = path_join(dist, "pyodide-lock.json");
	char *zip = path_join(dist, "python_stdlib.zip");
	char *py = realpath(ce->host_python, NULL);
	char *emcc = realpath(ce->emcc, NULL);
	char *ver = path_join(ce->emscripten_root, "emscripten-version.txt");
	char *kiln = realpath("/proc/self/exe", NULL);
	const char *files[] = {lock, zip, py, emcc, ver, kiln};
	bool ok = true;
	for (size_t i = 0; i < ARRAY_LEN(files) && ok; i++)
		ok = files[i] && stamp_line(&b, files[i]);
	struct strv compat_files = {0};
	struct buf unused = {0};
	compat_inputs(&compat_files, &unused);
	for (size_t i = 0; i < compat_files.n && ok; i++)
		ok = stamp_line(&b, compat_files.v[i]);
	strv_free(&compat_files);
	buf_free(&unused);
	struct strv hdrs = {0};
	crossenv_files(ce->python_include, &hdrs);
	for (size_t i = 0; i < hdrs.n && ok; i++) {
		char *p = path_join(ce->python_include, hdrs.v[i]);
		ok = stamp_line(&b, p);
		free(p);
	}
	strv_free(&hdrs);
	char *dir = path_dirname(stamp);
	if (ok && mkdir_p(dir, 0755))
		write_file_atomic(stamp, b.s, b.len);
	free(dir);
	free(lock);
	free(zip);
	free(py);
	free(emcc);
	free(ver);
	free(kiln);
	buf_free(&b);
}

static bool set_current(const char *root, const char *id)
{
	char *cur = path_join(root, "current");
	char *line = xasprintf("%s\n", id);
	char *old = read_file(cur, NULL);
	bool ok = (old && strcmp(old, line) == 0) || write_file_atomic(cur, line, strlen(line));
	if (!ok)
		log_err("cannot write %s: %s", cur, strerror(errno));
	free(old);
	free(cur);
	free(line);
	return ok;
}

bool crossenv_setup(const char *pyodide_dir, const char *python_include, struct crossenv *out)
{
	struct crossenv ce = {0};
	struct buf m = {0};
	char *src = NULL, *root = crossenv_root(), *dir = NULL;
	cJSON *probe = NULL;
	bool ok = false;
	if (!pyodide_dir)
		pyodide_dir = config_pyodide_dir();
	if (!python_include)
		python_include = config_python_include();
	memset(out, 0, sizeof(*out));
	char *stamp = stamp_path(root, pyodide_dir, python_include);
	char *known = stamp_check(stamp);
	if (known) {
		dir = path_join(root, known);
		char *kconf = path_join(dir, CROSSENV_CONF);
		bool there = path_is_file(kconf);
		free(kconf);
		if (there && set_current(root, known) && crossenv_open(dir, out)) {
			free(known);
			ok = true;
			goto out;
		}
		free(dir);
		dir = NULL;
		free(known);
	}
	if (!gather_inputs(&ce, pyodide_dir, python_include, &src, &probe, &m)) {
		goto out;
	}
	char h[65];
	hash_sha256_hex(m.s, m.len, h);
	ce.id = xstrndup(h, 16);
	dir = path_join(root, ce.id);
	char *conf = path_join(dir, CROSSENV_CONF);
	bool exists = path_is_file(conf);
	free(conf);
	if (!mkdir_p(root, 0755)) {
		log_err("cannot create %s: %s", root, strerror(errno));
		goto out;
	}
	if (!exists) {
		log_info("setting up the cross environment %s (Pyodide %s, Python %s, emcc %s)",
			ce.id, ce.pyodide_version, ce.python_version, ce.emcc_version);
		if (strcmp(ce.emcc_version, ce.runtime_emsdk) != 0)
			log_warn("emcc is %s but Pyodide %s was built with Emscripten %s: modules "
				"that touch the libc/libc++ surface whose ABI changed between them "
				"(64-bit time_t, struct stat, the libc++ std::__2 ABI) may load but "
				"misbehave; 'kiln abi-check' guards the built modules against that. "
				"Activate an emsdk %s (EMSDK) to build with a matching toolchain.",
				ce.emcc_version, ce.pyodide_version, ce.runtime_emsdk, ce.runtime_emsdk);
		if (!build(&ce, root, src, probe))
			goto out;
	}
	if (!set_current(root, ce.id)) {
		goto out;
	}
	stamp_write(stamp, &ce, pyodide_dir);
	ok = crossenv_open(dir, out);
out:
	free(stamp);
	cJSON_Delete(probe);
	crossenv_free(&ce);
	buf_free(&m);
	free(src);
	free(root);
	free(dir);
	return ok;
}

#include "toolchain/crossenv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"

const char *const crossenv_tools[] = {
	"cc", "gcc", "c++", "g++", "ld", "lld", "ar", "ranlib", "strip", "cmake", "meson",
	"emcc", "em++", "emar", "emranlib", "emconfigure", "emmake", "emcmake",
	"gfortran", "f77", "f90", "f95", "flang",
};
const size_t crossenv_ntools = ARRAY_LEN(crossenv_tools);

/* string fields of struct crossenv stored in crossenv.conf */
#define FIELD(n) {#n, offsetof(struct crossenv, n)}
static const struct field {
	const char *key;
	size_t off;
} fields[] = {
	FIELD(id), FIELD(kiln_version), FIELD(kiln), FIELD(pyodide_dir), FIELD(pyodide_version),
	FIELD(python_version), FIELD(abi_version), FIELD(runtime_platform), FIELD(platform),
	FIELD(platform_legacy), FIELD(python_include), FIELD(ext_suffix), FIELD(soabi),
	FIELD(runtime_emsdk), FIELD(sysconfigdata), FIELD(target_includepy), FIELD(host_python),
	FIELD(host_python_version), FIELD(host_include), FIELD(host_ext_suffix),
	FIELD(host_site_packages), FIELD(emscripten_root), FIELD(emcc), FIELD(emxx), FIELD(emar),
	FIELD(emranlib), FIELD(emcc_version), FIELD(clang), FIELD(clangxx), FIELD(llvm_nm), FIELD(llvm_objdump),
	FIELD(llvm_strip), FIELD(sysroot), FIELD(time64_lib), FIELD(libcxx_private),
	FIELD(link_llvm_root), FIELD(node_options), FIELD(fast_g), FIELD(fast_g_low),
	FIELD(fast_shrink),
};

static char **field_ptr(struct crossenv *ce, const struct field *f)
{
	return (char **)(void *)((char *)ce + f->off);
}

static const char *field_get(const struct crossenv *ce, const struct field *f)
{
	const char *const *p = (const char *const *)(const void *)((const char *)ce + f->off);
	return *p ? *p : "";
}

char *crossenv_path(const struct crossenv *ce, const char *rel)
{
	return path_join(ce->dir, rel);
}

const char *crossenv_wheel_tag(const struct crossenv *ce)
{
	return ce->legacy_tag && ce->platform_legacy && *ce->platform_legacy ? ce->platform_legacy
		: ce->platform;
}

const struct strv *crossenv_cflags(const struct crossenv *ce, bool cxx, bool pic)
{
	if (pic)
		return cxx ? &ce->cflags_cxx_pic : &ce->cflags_c_pic;
	return cxx ? &ce->cflags_cxx : &ce->cflags_c;
}

/* the cflags lists of crossenv.conf */
static struct strv *cflags_list(struct crossenv *ce, const char *key)
{
	if (strcmp(key, "cflags_c") == 0)
		return &ce->cflags_c;
	if (strcmp(key, "cflags_cxx") == 0)
		return &ce->cflags_cxx;
	if (strcmp(key, "cflags_c_pic") == 0)
		return &ce->cflags_c_pic;
	if (strcmp(key, "cflags_cxx_pic") == 0)
		return &ce->cflags_cxx_pic;
	return NULL;
}

void crossenv_free(struct crossenv *ce)
{
	free(ce->dir);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++)
		free(*field_ptr(ce, &fields[i]));
	strv_free(&ce->cflags_c);
	strv_free(&ce->cflags_cxx);
	strv_free(&ce->cflags_c_pic);
	strv_free(&ce->cflags_cxx_pic);
	strv_free(&ce->em_env);
	memset(ce, 0, sizeof(*ce));
}

void crossenv_parse_version(struct crossenv *ce)
{
	ce->py_major = ce->py_minor = ce->py_micro = 0;
	if (ce->python_version)
		sscanf(ce->python_version, "%d.%d.%d", &ce->py_major, &ce->py_minor, &ce->py_micro);
}

bool crossenv_load(const char *dir, struct crossenv *ce)
{
	memset(ce, 0, sizeof(*ce));
	char *path = path_join(dir, CROSSENV_CONF);
	char *text = read_file(path, NULL);
	free(path);
	if (!text)
		return false;
	ce->dir = xstrdup(dir);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		struct strv *list = cflags_list(ce, line);
		if (list)
			strv_add(list, v);
		else if (strcmp(line, "em_env") == 0)
			strv_add(&ce->em_env, v);
		else if (strcmp(line, "fastpath") == 0)
			ce->fastpath = strcmp(v, "1") == 0;
		else
			for (size_t i = 0; i < ARRAY_LEN(fields); i++)
				if (strcmp(line, fields[i].key) == 0) {
					char **p = field_ptr(ce, &fields[i]);
					free(*p);
					*p = xstrdup(v);
				}
	}
	free(text);
	if (!ce->node_options)
		ce->node_options = xstrdup("");
	crossenv_parse_version(ce);
	if (!ce->id || !ce->emcc || !ce->ext_suffix || !ce->llvm_objdump) {
		crossenv_free(ce);
		return false;
	}
	return true;
}

char *crossenv_conf_text(const struct crossenv *ce)
{
	struct buf b = {0};
	buf_puts(&b, "# kiln cross environment; one key=value a line, lists repeat the key\n");
	for (size_t i = 0; i < ARRAY_LEN(fields); i++)
		buf_printf(&b, "%s=%s\n", fields[i].key, field_get(ce, &fields[i]));
	buf_printf(&b, "fastpath=%d\n", ce->fastpath ? 1 : 0);
	for (size_t i = 0; i < ce->em_env.n; i++)
		buf_printf(&b, "em_env=%s\n", ce->em_env.v[i]);
	for (size_t i = 0; i < ce->cflags_c.n; i++)
		buf_printf(&b, "cflags_c=%s\n", ce->cflags_c.v[i]);
	for (size_t i = 0; i < ce->cflags_cxx.n; i++)
		buf_printf(&b, "cflags_cxx=%s\n", ce->cflags_cxx.v[i]);
	for (size_t i = 0; i < ce->cflags_c_pic.n; i++)
		buf_printf(&b, "cflags_c_pic=%s\n", ce->cflags_c_pic.v[i]);
	for (size_t i = 0; i < ce->cflags_cxx_pic.n; i++)
		buf_printf(&b, "cflags_cxx_pic=%s\n", ce->cflags_cxx_pic.v[i]);
	return buf_take(&b);
}

char *crossenv_root(void)
{
	char *cache = path_absolute(config_cache_dir());
	char *r = path_join(cache, "crossenv");
	free(cache);
	return r;
}

bool crossenv_open(const char *dir, struct crossenv *ce)
{
	char *owned = NULL;
	if (!dir)
		dir = getenv("KILN_CROSSENV");
	if (!dir || !*dir) {
		char *root = crossenv_root();
		char *cur = path_join(root, "current");
		char *id = read_file(cur, NULL);
		if (!id) {
			log_err("no cross environment set up in %s (run 'kiln crossenv setup')", root);
			free(root);
			free(cur);
			return false;
		}
		id[strcspn(id, "\n")] = '\0';
		owned = path_join(root, id);
		dir = owned;
		free(root);
		free(cur);
		free(id);
	}
	char *abs = path_absolute(dir);
	bool ok = crossenv_load(abs, ce);
	if (!ok)
		log_err("%s: not a kiln cross environment (no readable %s)", dir, CROSSENV_CONF);
	free(abs);
	free(owned);
	return ok;
}
static void walk(const char *dir, const char *rel, struct strv *out)
{
	char *path = rel ? path_join(dir, rel) : xstrdup(dir);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			char *r = rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
			char *full = path_join(dir, r);
			struct stat st;
			if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
				walk(dir, r, out);
			else if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
				strv_add(out, r);
			free(full);
			free(r);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(path);
}

void crossenv_files(const char *dir, struct strv *out)
{
	walk(dir, NULL, out);
}
static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void crossenv_em_env_now(struct strv *out)
{
	for (char **e = environ; *e; e++)
		if ((str_startswith(*e, "EM_") || str_startswith(*e, "EMCC_")) &&
			!str_startswith(*e, "EMCC_DEBUG="))
			strv_add(out, *e);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmpstr);
}

bool crossenv_em_env_matches(const struct crossenv *ce)
{
	struct strv now = {0};
	crossenv_em_env_now(&now);
	bool same = now.n == ce->em_env.n;
	for (size_t i = 0; same && i < now.n; i++)
		same = strcmp(now.v[i], ce->em_env.v[i]) == 0;
	strv_free(&now);
	return same;
}
char *crossenv_node_options(const char *opt, const char *now)
{
	if (!now || !*now)
		return xstrdup(opt ? opt : "");
	if (!opt || !*opt || strstr(now, opt))
		return xstrdup(now);
	return xasprintf("%s %s", now, opt);
}

static void setenv_kv(struct strv *env, const char *k, const char *v)
{
	strv_push(env, xasprintf("%s=%s", k, v));
}

void crossenv_env(const struct crossenv *ce, const char *libprefix, struct strv *env)
{
	char *bin = crossenv_path(ce, "bin");
	char *inc = xasprintf("%s/include/python%d.%d", ce->dir, ce->py_major, ce->py_minor);
	char *scd = crossenv_path(ce, CROSSENV_SYSCONFIG_DIR);
	char *v;
	const char *path = getenv("PATH");
	const char *pypath = getenv("PYTHONPATH");

	setenv_kv(env, "KILN_CROSSENV", ce->dir);
	setenv_kv(env, "PYODIDE", "1");
	setenv_kv(env, "PYTHONINCLUDE", inc);
	v = xasprintf("%d", ce->py_major);
	setenv_kv(env, "PYMAJOR", v);
	free(v);
	v = xasprintf("%d", ce->py_minor);
	setenv_kv(env, "PYMINOR", v);
	free(v);
	v = xasprintf("%d", ce->py_micro);
	setenv_kv(env, "PYMICRO", v);
	free(v);
	v = xasprintf("%d.%d", ce->py_major, ce->py_minor);
	setenv_kv(env, "PYVERSION", v);
	free(v);
	setenv_kv(env, "PYODIDE_VERSION", ce->pyodide_version);
	setenv_kv(env, "PYODIDE_EMSCRIPTEN_VERSION", ce->runtime_emsdk);
	setenv_kv(env, "EMSCRIPTEN_VERSION", ce->emcc_version);
	v = xasprintf("-O2 -g0 -fPIC -I%s", inc);
	setenv_kv(env, "SIDE_MODULE_CFLAGS", v);
	setenv_kv(env, "SIDE_MODULE_CXXFLAGS", v);
	free(v);
	/* CPython's own modules (cpython_module recipes) see its internal headers */
	v = xasprintf("-O2 -g0 -fPIC -I%s -I%s/internal -DPy_BUILD_CORE_MODULE", inc, inc);
	setenv_kv(env, "STDLIB_MODULE_CFLAGS", v);
	free(v);
	/* upstream's Pyodide tree and its host/target Python installs: here the environment,
	 * whose include/pythonX.Y is the target's */
	setenv_kv(env, "PYODIDE_ROOT", ce->dir);
	setenv_kv(env, "HOSTINSTALLDIR", ce->dir);
	setenv_kv(env, "TARGETINSTALLDIR", ce->dir);
	setenv_kv(env, "SIDE_MODULE_LDFLAGS", "-O2 -g0 -sSIDE_MODULE=1 -sWASM_BIGINT");
	setenv_kv(env, "HOSTSITEPACKAGES", ce->host_site_packages);
	v = crossenv_path(ce, CROSSENV_MESON_CROSS);
	setenv_kv(env, "MESON_CROSS_FILE", v);
	free(v);
	v = crossenv_path(ce, CROSSENV_CMAKE_TOOLCHAIN);
	setenv_kv(env, "CMAKE_TOOLCHAIN_FILE", v);
	free(v);
	struct buf pc = {0};
	if (libprefix) {
		setenv_kv(env, "WASM_LIBRARY_DIR", libprefix);
		buf_printf(&pc, "%s/lib/pkgconfig", libprefix);
	}
	if (*ce->sysroot)
		buf_printf(&pc, "%s%s/lib/pkgconfig", pc.len ? ":" : "", ce->sysroot);
	v = buf_take(&pc);
	setenv_kv(env, "PKG_CONFIG_LIBDIR", v);
	free(v);
	setenv_kv(env, "PKG_CONFIG_PATH", "");
	setenv_kv(env, "_PYTHON_HOST_PLATFORM", ce->platform);
	setenv_kv(env, "_PYTHON_SYSCONFIGDATA_NAME", ce->sysconfigdata);
	v = pypath && *pypath ? xasprintf("%s:%s", scd, pypath) : xstrdup(scd);
	setenv_kv(env, "PYTHONPATH", v);
	free(v);
	static const char *const tools[][2] = {
		{"CC", "cc"}, {"CXX", "c++"}, {"AR", "ar"}, {"RANLIB", "ranlib"}, {"LD", "ld"},
		{"STRIP", "strip"}, {"FC", "gfortran"}, {"F77", "gfortran"}, {"F90", "gfortran"},
	};
	for (size_t i = 0; i < ARRAY_LEN(tools); i++) {
		v = xasprintf("%s/%s", bin, tools[i][1]);
		setenv_kv(env, tools[i][0], v);
		free(v);
	}
	v = path && *path ? xasprintf("%s:%s", bin, path) : xstrdup(bin);
	setenv_kv(env, "PATH", v);
	free(v);
	free(bin);
	free(inc);
	free(scd);
}

bool crossenv_verify(const struct crossenv *ce)
{
	char *mpath = crossenv_path(ce, CROSSENV_MANIFEST);
	char *text = read_file(mpath, NULL);
	bool ok = true;
	size_t checked = 0;
	struct strv listed = {0}, present = {0};
	if (!text) {
		log_err("%s: %s", mpath, strerror(errno));
		free(mpath);
		return false;
	}
	for (char *line = text, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strlen(line) < 67 || line[64] != ' ') {
			log_err("%s: malformed line '%s'", mpath, line);
			ok = false;
			continue;
		}
		const char *rel = line + 66;
		strv_add(&listed, rel);
		char *p = crossenv_path(ce, rel);
		char h[65];
		if (!hash_sha256_file(p, h)) {
			log_err("%s: missing (%s)", p, strerror(errno));
			ok = false;
		} else if (strncmp(h, line, 64) != 0) {
			log_err("%s: changed since setup (sha256 %s, recorded %.64s)", p, h, line);
			ok = false;
		}
		checked++;
		free(p);
	}
	crossenv_files(ce->dir, &present);
	for (size_t i = 0; i < present.n; i++)
		if (strcmp(present.v[i], CROSSENV_MANIFEST) != 0 && !strv_has(&listed, present.v[i]) &&
			!str_startswith(present.v[i], "bin/")) {
			log_err("%s/%s: not part of the environment", ce->dir, present.v[i]);
			ok = false;
		}
	for (size_t i = 0; i < crossenv_ntools; i++) {
		char *l = xasprintf("%s/bin/%s", ce->dir, crossenv_tools[i]);
		char target[PATH_MAX];
		ssize_t n = readlink(l, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = '\0', strcmp(target, ce->kiln) != 0)) {
			log_err("%s: should be a symlink to %s", l, ce->kiln);
			ok = false;
		}
		free(l);
	}
	if (access(ce->kiln, X_OK) != 0) {
		log_err("%s: the kiln binary bin/ points at is gone", ce->kiln);
		ok = false;
	}
	if (ok)
		log_info("%s: %zu files and %zu tools match", ce->dir, checked, crossenv_ntools);
	strv_free(&listed);
	strv_free(&present);
	free(text);
	free(mpath);
	return ok;
}

bool crossenv_wasm_eh(const struct crossenv *ce)
{
	return ce->abi_version && *ce->abi_version && strcmp(ce->abi_version, "2025_0") >= 0;
}

const char *const *crossenv_abi_flags(const struct crossenv *ce)
{
	static const char *const wasm_eh[] = {"-fwasm-exceptions", "-sSUPPORT_LONGJMP=wasm", NULL};
	static const char *const none[] = {NULL};
	return crossenv_wasm_eh(ce) ? wasm_eh : none;
}

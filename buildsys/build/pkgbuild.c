#include "build/pkgbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact/wheel.h"
#include "base/log.h"
#include "toolchain/abi.h"
#include "toolchain/crossenv.h"
#include "toolchain/rust.h"

void pkgbuild_setenv(struct strv *env, const char *name, const char *value)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=') {
			free(env->v[i]);
			env->v[i] = xasprintf("%s=%s", name, value);
			return;
		}
	strv_push(env, xasprintf("%s=%s", name, value));
}

const char *pkgbuild_getenv(const struct strv *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

void pkgbuild_env(const struct crossenv *ce, const char *prefix, const char *exports,
	struct strv *env)
{
	crossenv_env(ce, prefix, env);
	if (!pkgbuild_getenv(env, "SOURCE_DATE_EPOCH"))
		pkgbuild_setenv(env, "SOURCE_DATE_EPOCH", "315532800");
	pkgbuild_setenv(env, "KILN_EXPORTS", exports);
}

void pkgbuild_flags(struct strv *env, const char *prefix, const char *cflags,
	const char *cxxflags, const char *ldflags)
{
	const struct {
		const char *var, *base, *opt, *sub, *extra;
	} flags[] = {
		{"CFLAGS", "SIDE_MODULE_CFLAGS", "-I", "include", cflags},
		{"CXXFLAGS", "SIDE_MODULE_CXXFLAGS", "-I", "include", cxxflags},
		{"LDFLAGS", NULL, "-L", "lib", ldflags},
	};
	for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
		const char *base = flags[i].base ? pkgbuild_getenv(env, flags[i].base) : NULL;
		char *search = prefix ? xasprintf("%s%s/%s", flags[i].opt, prefix, flags[i].sub)
				      : xstrdup("");
		char *v = xasprintf("%s %s %s", base ? base : "",
			flags[i].extra ? flags[i].extra : "", search);
		pkgbuild_setenv(env, flags[i].var, v);
		free(v);
		free(search);
	}
	const char *side = pkgbuild_getenv(env, "SIDE_MODULE_LDFLAGS");
	char *search = prefix ? xasprintf("-L%s/lib", prefix) : xstrdup("");
	char *ld = xasprintf("%s %s %s", side ? side : "", ldflags ? ldflags : "", search);
	pkgbuild_setenv(env, "KILN_LDFLAGS", ld);
	free(ld);
	free(search);
}

char *pkgbuild_target(const struct crossenv *ce, struct wheel_target *t)
{
	char *pytag = xasprintf("cp%d%d", ce->py_major, ce->py_minor);
	*t = (struct wheel_target){
		.python_tag = pytag, .platform_tag = crossenv_wheel_tag(ce),
		.host_ext_suffix = ce->host_ext_suffix, .target_ext_suffix = ce->ext_suffix,
	};
	return pytag;
}

static bool compiled_entry(const char *rel, const struct stat *st, void *p)
{
	static const char *const skip[] = {"test", "tests", "doc", "docs", "examples", "benchmarks"};
	static const char *const exts[] = {".c", ".cc", ".cpp", ".cxx", ".pyx", ".f", ".f90",
		".rs"};
	const char *base = path_basename(rel);
	if (S_ISDIR(st->st_mode))
		return true; /* walked anyway; files below are filtered by path */
	for (size_t i = 0; i < ARRAY_LEN(skip); i++) {
		char *seg = xasprintf("%s/", skip[i]);
		char *mid = xasprintf("/%s/", skip[i]);
		bool in = str_startswith(rel, seg) || strstr(rel, mid);
		free(seg);
		free(mid);
		if (in)
			return true;
	}
	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_endswith(base, exts[i])) {
			*(bool *)p = true;
			return false; /* found one: stop */
		}
	return true;
}

bool pkgbuild_has_compiled_sources(const char *dir)
{
	bool found = false;
	walk_tree(dir, compiled_entry, &found);
	return found;
}

bool pkgbuild_abi_check(const struct crossenv *ce, const char *path)
{
	struct abi_runtime rt = {0};
	struct abi_toolchain tc = {0};
	struct abi_report rep = {0};
	struct strv allow = {0};
	bool ok = abi_runtime_load(ce->pyodide_dir, &rt) && abi_toolchain_probe(ce->emcc, &tc);
	if (ok) {
		struct abi_opts ao = {.allow = &allow, .tc = &tc};
		ok = abi_check_path(&rt, &ao, path, &rep);
	}
	if (ok && rep.n) {
		char *text = abi_report_text(&rep);
		log_err("the ABI check failed for %zu import(s):\n%s", rep.n, text);
		free(text);
		ok = false;
	}
	abi_report_free(&rep);
	abi_toolchain_free(&tc);
	abi_runtime_free(&rt);
	strv_free(&allow);
	return ok;
}

bool pkgbuild_check_wheel(const struct crossenv *ce, const char *srcdir,
	const struct wheel_post_result *res)
{
	if (!res->compiled && pkgbuild_has_compiled_sources(srcdir)) {
		log_err("the wheel is pure Python but the source has C/C++/Cython/Fortran code: "
			"the build fell back to pure Python (look for a warning about a failed "
			"extension in the log)");
		return false;
	}
	return !res->compiled || pkgbuild_abi_check(ce, res->wheel_path);
}

bool pkgbuild_rust_executable(const char *name)
{
	return strcmp(name, "rustup") == 0 || strcmp(name, "cargo") == 0 ||
	       strcmp(name, "rustc") == 0;
}

bool pkgbuild_uses_rust(const char *srcdir)
{
	char *cargo = path_join(srcdir, "Cargo.toml"), *pp = path_join(srcdir, "pyproject.toml");
	bool yes = path_is_file(cargo);
	size_t len = 0;
	char *text = yes ? NULL : read_file(pp, &len);
	if (text)
		yes = strstr(text, "maturin") || strstr(text, "setuptools-rust") ||
		      strstr(text, "setuptools_rust");
	free(text);
	free(cargo);
	free(pp);
	return yes;
}

bool pkgbuild_rust_env(const struct crossenv *ce, struct strv *env)
{
	return rust_env_ensure(ce, env);
}

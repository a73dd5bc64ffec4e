#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "toolchain/argv.h"
#include "toolchain/crossenv.h"
#include "toolchain/crossenv_setup.h"
#include "toolchain/rust.h"

extern const struct kiln_cmd cmd_crossenv;

static char *joined(const struct strv *sv)
{
	struct buf b = {0};
	buf_add(&b, "", 0);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			buf_putc(&b, ' ');
		argv_quote(&b, sv->v[i]);
	}
	return buf_take(&b);
}

/* name/value pairs shown by `show`, in order */
static void facts(const struct crossenv *ce, struct strv *kv)
{
	char *v;
#define KV(k, val) (strv_add(kv, k), strv_add(kv, (val) ? (val) : ""))
	KV("id", ce->id);
	KV("dir", ce->dir);
	KV("kiln_version", ce->kiln_version);
	KV("kiln", ce->kiln);
	KV("pyodide_dir", ce->pyodide_dir);
	KV("pyodide_version", ce->pyodide_version);
	KV("python_version", ce->python_version);
	KV("abi_version", ce->abi_version);
	KV("runtime_platform", ce->runtime_platform);
	KV("platform", ce->platform);
	KV("platform_legacy", ce->platform_legacy);
	KV("ext_suffix", ce->ext_suffix);
	KV("soabi", ce->soabi);
	KV("runtime_emsdk", ce->runtime_emsdk);
	KV("sysconfigdata", ce->sysconfigdata);
	KV("target_includepy", ce->target_includepy);
	v = xasprintf("%s/include/python%d.%d", ce->dir, ce->py_major, ce->py_minor);
	KV("include", v);
	free(v);
	v = crossenv_path(ce, "meson-cross.ini");
	KV("meson_cross_file", v);
	free(v);
	v = crossenv_path(ce, "toolchain.cmake");
	KV("cmake_toolchain_file", v);
	free(v);
	v = crossenv_path(ce, "bin");
	KV("bin", v);
	free(v);
	KV("host_python", ce->host_python);
	KV("host_python_version", ce->host_python_version);
	KV("host_include", ce->host_include);
	KV("python_include", ce->python_include);
	KV("host_ext_suffix", ce->host_ext_suffix);
	KV("host_site_packages", ce->host_site_packages);
	KV("emscripten_root", ce->emscripten_root);
	KV("emcc", ce->emcc);
	KV("emxx", ce->emxx);
	KV("emar", ce->emar);
	KV("emranlib", ce->emranlib);
	KV("emcc_version", ce->emcc_version);
	KV("clang", ce->clang);
	KV("clangxx", ce->clangxx);
	KV("llvm_nm", ce->llvm_nm);
	KV("llvm_objdump", ce->llvm_objdump);
	KV("llvm_strip", ce->llvm_strip);
	KV("sysroot", ce->sysroot);
	KV("time64_lib", ce->time64_lib);
	KV("libcxx_private", ce->libcxx_private);
	KV("link_llvm_root", ce->link_llvm_root);
	KV("fastpath", ce->fastpath ? "yes" : "no");
	struct strv abi = {0};
	for (const char *const *f = crossenv_abi_flags(ce); *f; f++)
		strv_add(&abi, *f);
	v = joined(&abi);
	KV("abi_flags", v);
	free(v);
	strv_free(&abi);
	KV("toolchain_matches_runtime",
		strcmp(ce->emcc_version, ce->runtime_emsdk) == 0 ? "yes" : "no");
	v = joined(&ce->cflags_c);
	KV("cflags_c", v);
	free(v);
	v = joined(&ce->cflags_cxx);
	KV("cflags_cxx", v);
	free(v);
	v = joined(&ce->em_env);
	KV("em_env", v);
	free(v);
#undef KV
}

static int show(const struct crossenv *ce, const char *format, const char *get)
{
	struct strv kv = {0};
	int status = EXIT_OK;
	facts(ce, &kv);
	if (get) {
		status = EXIT_FAIL;
		for (size_t i = 0; i + 1 < kv.n; i += 2)
			if (strcmp(kv.v[i], get) == 0) {
				printf("%s\n", kv.v[i + 1]);
				status = EXIT_OK;
			}
		if (status != EXIT_OK)
			log_err("crossenv show: no field '%s'", get);
	} else if (format && strcmp(format, "json") == 0) {
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; i + 1 < kv.n; i += 2)
			cJSON_AddStringToObject(o, kv.v[i], kv.v[i + 1]);
		cJSON *a = cJSON_AddArrayToObject(o, "cflags_c_list");
		for (size_t i = 0; i < ce->cflags_c.n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(ce->cflags_c.v[i]));
		a = cJSON_AddArrayToObject(o, "cflags_cxx_list");
		for (size_t i = 0; i < ce->cflags_cxx.n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(ce->cflags_cxx.v[i]));
		char *s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else {
		for (size_t i = 0; i + 1 < kv.n; i += 2)
			printf("%-26s %s\n", kv.v[i], kv.v[i + 1]);
	}
	strv_free(&kv);
	if (fflush(stdout) != 0)
		status = EXIT_FAIL;
	return status;
}

static int print_env(const struct crossenv *ce, const char *libprefix, bool rust)
{
	struct strv env = {0};
	crossenv_env(ce, libprefix, &env);
	if (rust && !rust_env_ensure(ce, &env)) {
		strv_free(&env);
		return EXIT_FAIL;
	}
	struct buf b = {0};
	for (size_t i = 0; i < env.n; i++) {
		const char *eq = strchr(env.v[i], '=');
		buf_printf(&b, "export %.*s=", (int)(eq - env.v[i]), env.v[i]);
		if (eq[1])
			argv_quote(&b, eq + 1);
		else
			buf_puts(&b, "''");
		buf_putc(&b, '\n');
	}
	fputs(b.s ? b.s : "", stdout);
	buf_free(&b);
	strv_free(&env);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

struct crossenv_opts {
	struct cmd_target t;
	const char *format, *get, *dir, *libprefix, *python_include;
	bool rust;
};

static const struct cmd_opt options[] = {
	CMD_TARGET_OPTS(struct crossenv_opts, t),
	{"python-include", 0, "DIR", "the target Python's headers (Python.h; default\n"
		"$KILN_PYTHON_INCLUDE, else the host's when it is the target's X.Y)",
		CMD_STR(struct crossenv_opts, python_include)},
	{"dir", 0, "ENVDIR", "use this environment instead of setting one up",
		CMD_STR(struct crossenv_opts, dir)},
	{"format", 0, "text|json", "the output of 'show'", CMD_STR(struct crossenv_opts, format)},
	{"get", 0, "FIELD", "'show' prints this field only", CMD_STR(struct crossenv_opts, get)},
	{"libprefix", 0, "DIR", "the target library prefix (WASM_LIBRARY_DIR) for 'env'",
		CMD_STR(struct crossenv_opts, libprefix)},
	{"rust", 0, NULL, "'env' adds the Rust variables (cargo, PyO3; the standard\n"
		"library for the target is built once into the cache)",
		CMD_FLAG(struct crossenv_opts, rust)},
	{0},
};

static int run(int argc, char **argv)
{
	struct crossenv_opts o = {0};
	if (!cmd_parse(&cmd_crossenv, &argc, argv, &o))
		return EXIT_USAGE;
	if (argc > 2)
		return cmd_usage_error(&cmd_crossenv, "unexpected argument '%s'", argv[2]);
	const char *action = argc == 2 ? argv[1] : "setup";
	if (strcmp(action, "setup") && strcmp(action, "show") && strcmp(action, "env") &&
		strcmp(action, "verify"))
		return cmd_usage_error(&cmd_crossenv, "unknown action '%s'", action);
	if (o.format && strcmp(o.format, "json") && strcmp(o.format, "text"))
		return cmd_usage_error(&cmd_crossenv, "--format is text or json, not '%s'", o.format);
	bool chosen = o.t.pyodide || o.t.target || o.python_include;
	if (o.dir && chosen)
		return cmd_usage_error(&cmd_crossenv,
			"--dir excludes --pyodide, --target and --python-include");

	struct crossenv ce;
	bool ok;
	if (o.dir || (strcmp(action, "setup") && !chosen && getenv("KILN_CROSSENV")))
		ok = crossenv_open(o.dir, &ce);
	else
		ok = cmd_select_target(&o.t) && crossenv_setup(NULL, o.python_include, &ce);
	if (!ok)
		return EXIT_FAIL;
	int status = EXIT_OK;
	if (strcmp(action, "setup") == 0)
		printf("%s\n", ce.dir);
	else if (strcmp(action, "show") == 0)
		status = show(&ce, o.format, o.get);
	else if (strcmp(action, "env") == 0)
		status = print_env(&ce, o.libprefix, o.rust);
	else
		status = crossenv_verify(&ce) ? EXIT_OK : EXIT_FAIL;
	crossenv_free(&ce);
	return status;
}

const struct kiln_cmd cmd_crossenv = {
	.name = "crossenv",
	.run = run,
	.summary = "set up, show and verify the cross environment for a Pyodide runtime",
	.synopsis = "crossenv [setup|show|env|verify] [--target SPEC | --pyodide DIR | --dir ENVDIR]\n"
		    "              [--python-include DIR]\n"
		    "              [--format text|json] [--get FIELD] [--libprefix DIR] [--rust]",
	.details = "  setup      set up the environment for the Pyodide distribution (default\n"
		   "             action; a no-op when it exists) and print its directory\n"
		   "  show       print the target, host and toolchain facts (--get FIELD: one)\n"
		   "  env        print the environment for recipe scripts as export lines\n"
		   "             (--rust: with cargo's, PyO3's and the Rust standard library's)\n"
		   "  verify     re-check the environment's files against their recorded hashes\n\n"
		   "show, env and verify use $KILN_CROSSENV when set, else set up (or reuse) the\n"
		   "environment of the distribution.",
	.opts = options,
};

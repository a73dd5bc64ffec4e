#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "toolchain/abi.h"

extern const struct kiln_cmd cmd_abi_check;

static int run(int argc, char **argv)
{
	struct strv allow = {0}, libs = {0}, files = {0};
	const char *format = "text", *emcc = getenv("KILN_EMCC"), *pyodide = NULL;
	const char *tc_version = NULL, *tc_time_t = NULL;
	struct abi_runtime rt = {0};
	struct abi_toolchain tc = {0};
	struct abi_report rep = {0};
	int status = EXIT_FAIL;
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **opt = NULL;
		struct strv *list = NULL;
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				strv_add(&files, argv[i]);
			break;
		}
		if (strcmp(a, "--allow-abi") == 0)
			list = &allow;
		else if (strcmp(a, "--lib") == 0)
			list = &libs;
		else if (strcmp(a, "--format") == 0)
			opt = &format;
		else if (strcmp(a, "--emcc") == 0)
			opt = &emcc;
		else if (strcmp(a, "--pyodide") == 0)
			opt = &pyodide;
		else if (strcmp(a, "--toolchain-emscripten") == 0)
			opt = &tc_version;
		else if (strcmp(a, "--toolchain-time-t") == 0)
			opt = &tc_time_t;
		else if (a[0] == '-') {
			status = cmd_usage_error(&cmd_abi_check, "unknown option '%s'", a);
			goto out;
		} else {
			strv_add(&files, a);
			continue;
		}
		if (i + 1 >= argc) {
			status = cmd_usage_error(&cmd_abi_check, "option '%s' needs a value", a);
			goto out;
		}
		if (list)
			strv_add(list, argv[++i]);
		else
			*opt = argv[++i];
	}
	if (files.n == 0) {
		status = cmd_usage_error(&cmd_abi_check, "no FILE.so or WHEEL given");
		goto out;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		status = cmd_usage_error(&cmd_abi_check, "--format must be text or json, not '%s'",
			format);
		goto out;
	}
	if (!tc_version != !tc_time_t) {
		status = cmd_usage_error(&cmd_abi_check,
			"--toolchain-emscripten and --toolchain-time-t go together");
		goto out;
	}
	if (tc_time_t) {
		char *end;
		long n = strtol(tc_time_t, &end, 10);
		if (*end || n <= 0 || n > 16) {
			status = cmd_usage_error(&cmd_abi_check, "bad --toolchain-time-t '%s'",
				tc_time_t);
			goto out;
		}
		tc.time_t_size = (int)n;
		tc.emscripten = xstrdup(tc_version);
	} else if (!abi_toolchain_probe(emcc && *emcc ? emcc : "emcc", &tc)) {
		goto out;
	}
	if (!abi_runtime_load(pyodide ? pyodide : config_pyodide_dir(), &rt))
		goto out;
	log_debug("runtime: emscripten %s, time_t %d bytes, %zu symbols; toolchain: emscripten "
		  "%s, time_t %d bytes", rt.emscripten, rt.time_t_size, rt.nsyms, tc.emscripten,
		tc.time_t_size);
	struct abi_opts o = {.allow = &allow, .libs = &libs, .tc = &tc};
	for (size_t i = 0; i < files.n; i++)
		if (!abi_check_path(&rt, &o, files.v[i], &rep))
			ok = false;
	char *text = strcmp(format, "json") == 0 ? abi_report_json(&rep) : abi_report_text(&rep);
	fputs(text, stdout);
	free(text);
	status = ok && rep.n == 0 ? EXIT_OK : EXIT_FAIL;
out:
	abi_report_free(&rep);
	abi_runtime_free(&rt);
	abi_toolchain_free(&tc);
	strv_free(&allow);
	strv_free(&libs);
	strv_free(&files);
	return status;
}

const struct kiln_cmd cmd_abi_check = {
	.name = "abi-check",
	.run = run,
	.summary = "check side modules and wheels against the Pyodide runtime's ABI",
	.usage = "abi-check [OPTIONS] FILE.so|WHEEL...\n\n"
		 "Checks every import of each side module (every .so of a wheel) against the\n"
		 "runtime: missing symbols, wasm signature mismatches, time_t struct layout\n"
		 "differences and libc++ symbols bound across emscripten versions.\n"
		 "Exit status 1 when there is a finding.\n\n"
		 "options:\n"
		 "  --allow-abi SYMBOL            accept the imports of SYMBOL (repeatable)\n"
		 "  --lib FILE.so|WHEEL           also resolve imports from this module (repeatable)\n"
		 "  --format text|json            report format (default text)\n"
		 "  --pyodide DIR                 the Pyodide distribution (default: $KILN_PYODIDE\n"
		 "                                or the pinned npm package)\n"
		 "  --emcc EMCC                   the toolchain to probe (default: $KILN_EMCC or emcc)\n"
		 "  --toolchain-emscripten VER    skip the probe: the toolchain's emscripten version\n"
		 "  --toolchain-time-t N          skip the probe: the toolchain's sizeof(time_t)",
};

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "toolchain/abi.h"
#include "toolchain/emtoolchain.h"

extern const struct kiln_cmd cmd_abi_check;

struct abi_check_opts {
	struct strv allow, libs;
	const char *format, *emcc, *tc_version, *tc_time_t;
	struct cmd_target t;
};

static const struct cmd_opt options[] = {
	{"allow-abi", 0, "SYMBOL", "accept the imports of SYMBOL (repeatable)",
		CMD_LIST(struct abi_check_opts, allow)},
	{"lib", 0, "FILE.so|WHEEL", "also resolve imports from this module (repeatable)",
		CMD_LIST(struct abi_check_opts, libs)},
	{"format", 0, "text|json", "report format (default text)",
		CMD_STR(struct abi_check_opts, format)},
	CMD_TARGET_OPTS(struct abi_check_opts, t),
	{"emcc", 0, "EMCC", "the toolchain to probe (default: $KILN_EMCC\nor emcc)",
		CMD_STR(struct abi_check_opts, emcc)},
	{"toolchain-emscripten", 0, "VER", "skip the probe: the toolchain's emscripten version",
		CMD_STR(struct abi_check_opts, tc_version)},
	{"toolchain-time-t", 0, "N", "skip the probe: the toolchain's sizeof(time_t)",
		CMD_STR(struct abi_check_opts, tc_time_t)},
	{0},
};

/* the usage errors the option table does not see; *time_t_size from --toolchain-time-t */
static bool usage_ok(const struct abi_check_opts *o, int argc, int *time_t_size)
{
	if (argc < 2) {
		cmd_usage_error(&cmd_abi_check, "no FILE.so or WHEEL given");
		return false;
	}
	if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0) {
		cmd_usage_error(&cmd_abi_check, "--format must be text or json, not '%s'", o->format);
		return false;
	}
	if (!o->tc_version != !o->tc_time_t) {
		cmd_usage_error(&cmd_abi_check,
			"--toolchain-emscripten and --toolchain-time-t go together");
		return false;
	}
	*time_t_size = 0;
	if (o->tc_time_t) {
		char *end;
		long n = strtol(o->tc_time_t, &end, 10);
		if (*end || n <= 0 || n > 16) {
			cmd_usage_error(&cmd_abi_check, "bad --toolchain-time-t '%s'", o->tc_time_t);
			return false;
		}
		*time_t_size = (int)n;
	}
	return true;
}

static int run(int argc, char **argv)
{
	struct abi_check_opts o = {.format = "text", .emcc = getenv("KILN_EMCC")};
	struct abi_runtime rt = {0};
	struct abi_toolchain tc = {0};
	struct abi_report rep = {0};
	int status = EXIT_USAGE, time_t_size;
	bool ok = true;

	if (!cmd_parse(&cmd_abi_check, &argc, argv, &o) || !usage_ok(&o, argc, &time_t_size))
		goto out;
	status = EXIT_FAIL;
	if (!cmd_select_target(&o.t))
		goto out;
	if (time_t_size) {
		tc.time_t_size = time_t_size;
		tc.emscripten = xstrdup(o.tc_version);
	}
	if (!abi_runtime_load(config_pyodide_dir(), &rt))
		goto out;
	if (!time_t_size) {
		/* the toolchain crossenv setup picks for this runtime, unless one is named */
		char *emcc = o.emcc && *o.emcc ? xstrdup(o.emcc)
					       : emtc_emcc_for(rt.wasm_eh ? "2025_0" : "");
		bool probed = emcc && abi_toolchain_probe(emcc, &tc);
		free(emcc);
		if (!probed)
			goto out;
	}
	log_debug("runtime: emscripten %s, time_t %d bytes, %zu symbols; toolchain: emscripten "
		  "%s, time_t %d bytes", rt.emscripten, rt.time_t_size, rt.nsyms, tc.emscripten,
		tc.time_t_size);
	struct abi_opts ao = {.allow = &o.allow, .libs = &o.libs, .tc = &tc};
	for (int i = 1; i < argc; i++)
		if (!abi_check_path(&rt, &ao, argv[i], &rep))
			ok = false;
	char *text = strcmp(o.format, "json") == 0 ? abi_report_json(&rep) : abi_report_text(&rep);
	fputs(text, stdout);
	free(text);
	status = ok && rep.n == 0 ? EXIT_OK : EXIT_FAIL;
out:
	abi_report_free(&rep);
	abi_runtime_free(&rt);
	abi_toolchain_free(&tc);
	strv_free(&o.allow);
	strv_free(&o.libs);
	return status;
}

const struct kiln_cmd cmd_abi_check = {
	.name = "abi-check",
	.run = run,
	.summary = "check side modules and wheels against the Pyodide runtime's ABI",
	.synopsis = "abi-check [OPTIONS] FILE.so|WHEEL...",
	.details = "Checks every import of each side module (every .so of a wheel) against the\n"
		   "runtime: missing symbols, wasm signature mismatches, time_t struct layout\n"
		   "differences and libc++ symbols bound across emscripten versions.\n"
		   "Exit status 1 when there is a finding.",
	.opts = options,
};

/* the WebAssembly reader and the ABI check of a side module against the pinned
 * Pyodide runtime; the object rewriter of hide-libcxx on the same bytes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/util.h"
#include "common.h"
#include "toolchain/abi.h"
#include "toolchain/wasm.h"

static struct abi_runtime rt;
static bool have_rt;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	have_rt = abi_runtime_load(config_pyodide_dir(), &rt);
	if (!have_rt)
		fprintf(stderr, "fuzz_wasm: no Pyodide runtime; the ABI check is skipped\n");
	fuzz_quiet();
	return 0;
}

static bool want_all(const char *name)
{
	return name[0] != 'k';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wasm_module m = {0};
	if (wasm_parse(data, size, "fuzz", &m)) {
		for (size_t i = 0; i < m.nfuncs + m.nfuncimports && i < 64; i++) {
			const struct wasm_functype *t = wasm_func_type(&m, (uint32_t)i);
			if (t)
				free(wasm_functype_str(t));
		}
	}
	wasm_module_free(&m);

	if (have_rt) {
		static char emscripten[] = "3.1.6";
		struct abi_toolchain tc = {.emscripten = emscripten, .time_t_size = 4};
		struct abi_opts o = {.tc = &tc};
		struct abi_report rep = {0};
		abi_check_buffer(&rt, &o, "fuzz.so", data, size, &rep);
		free(abi_report_text(&rep));
		free(abi_report_json(&rep));
		abi_report_free(&rep);
	}

	struct strv needed = {0};
	wasm_needed(data, size, &needed);
	strv_free(&needed);

	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	wasm_object_hide_symbols(copy, size, "fuzz.o", want_all);
	free(copy);
	return 0;
}

/* Robustness test of the wasm reader and the ABI check: every truncation and
 * many deterministic random mutations of real modules and objects must parse
 * or be rejected cleanly (run under ASan+UBSan: any out-of-bounds read fails).
 * usage: wasm-mutate MUTATIONS FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "toolchain/abi.h"
#include "toolchain/wasm.h"

static unsigned long rejected;

static void count_sink(enum log_level lvl, const char *msg, void *ctx)
{
	if (lvl == LOG_ERROR)
		rejected++;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const struct abi_runtime *runtime;
static const struct abi_opts *opts;

/* parse an exact-size copy, use everything that was read, check it */
static bool try_parse(const unsigned char *data, size_t len)
{
	unsigned char *copy = xmalloc(len);
	if (len)
		memcpy(copy, data, len);
	struct wasm_module m;
	bool ok = wasm_parse(copy, len, "mutant", &m);
	if (ok) {
		for (size_t i = 0; i < m.nimports; i++)
			if (m.imports[i].kind == WASM_KIND_FUNC)
				free(wasm_functype_str(&m.types[m.imports[i].type]));
		for (size_t i = 0; i < m.nexports; i++)
			if (m.exports[i].kind == WASM_KIND_FUNC) {
				const struct wasm_functype *t = wasm_func_type(&m, m.exports[i].index);
				if (!t) {
					fprintf(stderr, "validated export without a type\n");
					exit(1);
				}
			}
		struct abi_report rep = {0};
		abi_check_buffer(runtime, opts, "mutant", copy, len, &rep);
		free(abi_report_text(&rep));
		free(abi_report_json(&rep));
		abi_report_free(&rep);
	}
	wasm_module_free(&m);
	long h = wasm_object_hide_symbols(copy, len, "mutant", (next() & 1) ? NULL
		: abi_is_libcxx_definition);
	(void)h;
	free(copy);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: wasm-mutate MUTATIONS FILE...\n");
		return 2;
	}
	long nmut = atol(argv[1]);
	struct abi_runtime rt;
	if (!abi_runtime_load(config_pyodide_dir(), &rt))
		return 1;
	struct abi_toolchain tc = {.emscripten = xstrdup("3.1.6"), .time_t_size = 4};
	struct abi_opts o = {.tc = &tc};
	runtime = &rt;
	opts = &o;
	log_set_sink(count_sink, NULL);
	int status = 0;
	for (int f = 2; f < argc; f++) {
		size_t len;
		unsigned char *data = (unsigned char *)read_file(argv[f], &len);
		if (!data) {
			fprintf(stderr, "%s: cannot read\n", argv[f]);
			status = 1;
			continue;
		}
		struct wasm_module m;
		bool whole = wasm_parse(data, len, argv[f], &m);
		wasm_module_free(&m);
		bool object = str_endswith(argv[f], ".o");
		if (!whole && !object) {
			fprintf(stderr, "%s: the unmodified module does not parse\n", argv[f]);
			status = 1;
		}
		unsigned long ok = 0, tried = 0;
		rejected = 0;
		for (size_t l = 0; l < len; l++, tried++)
			ok += try_parse(data, l);
		unsigned char *mut = xmalloc(len);
		for (long i = 0; i < nmut; i++, tried++) {
			memcpy(mut, data, len);
			int edits = 1 + (int)(next() % 4);
			for (int e = 0; e < edits; e++) {
				static const unsigned char special[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x60};
				size_t at = (size_t)(next() % len);
				uint64_t r = next();
				mut[at] = (r & 1) ? special[(r >> 1) % sizeof(special)] : (unsigned char)(r >> 8);
			}
			ok += try_parse(mut, len);
		}
		for (int i = 0; i < 200; i++, tried++) {
			size_t l = (size_t)(next() % 512);
			for (size_t k = 0; k < l && k < len; k++)
				mut[k] = (unsigned char)next();
			if (l >= 8 && (i & 1))
				memcpy(mut, "\0asm\1\0\0\0", 8);
			ok += try_parse(mut, l < len ? l : len);
		}
		free(mut);
		printf("%s: %zu bytes, %lu inputs, %lu parsed, %lu rejected with a message\n", argv[f],
			len, tried, ok, rejected);
		free(data);
	}
	abi_runtime_free(&rt);
	free(tc.emscripten);
	return status;
}

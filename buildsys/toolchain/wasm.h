#ifndef KILN_WASM_H
#define KILN_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bounds-checked reader for the parts of a WebAssembly binary that dynamic
 * linking depends on: types, imports, functions, exports and the dylink.0
 * custom section. Every length is checked against the input; malformed input
 * is reported, never read out of bounds. */

enum wasm_kind {
	WASM_KIND_FUNC = 0,
	WASM_KIND_TABLE = 1,
	WASM_KIND_MEMORY = 2,
	WASM_KIND_GLOBAL = 3,
	WASM_KIND_TAG = 4,
};

/* dylink.0 symbol flags (same values as the linking section's) */
enum {
	WASM_SYM_WEAK = 0x1,
	WASM_SYM_LOCAL = 0x2,
	WASM_SYM_HIDDEN = 0x4,
	WASM_SYM_UNDEFINED = 0x10,
	WASM_SYM_TLS = 0x100,
};

struct wasm_functype {
	uint8_t *params, *results; /* value type bytes (0x7f i32, 0x7e i64, ...) */
	uint32_t nparams, nresults;
};

struct wasm_import {
	char *module, *name;
	enum wasm_kind kind;
	uint32_t type;     /* WASM_KIND_FUNC, WASM_KIND_TAG: type index */
	uint32_t flags;    /* WASM_SYM_* from dylink.0 import info (by name), else 0 */
};

struct wasm_export {
	char *name;
	enum wasm_kind kind;
	uint32_t index;
};

struct wasm_module {
	struct wasm_functype *types;
	size_t ntypes;
	struct wasm_import *imports;
	size_t nimports;
	size_t nfuncimports;  /* function index space starts with these */
	uint32_t *funcimport_types; /* type index of each function import */
	uint32_t *funcs;      /* type index of each defined function */
	size_t nfuncs;
	struct wasm_export *exports;
	size_t nexports;
	bool has_dylink;      /* a dylink.0 (or legacy dylink) section was found */
	char **needed;        /* dylink needed libraries */
	size_t nneeded;
	char **time64;        /* names listed by "kiln.time64" sections (the compat layer's
	                       * runtime imports, docs/abi.md), in order, repeats kept */
	size_t ntime64;
	char **libcxx;        /* names listed by "kiln.libcxx" sections: runtime libc++abi
	                       * entry points the private libc++ link may import */
	size_t nlibcxx;
};

/* parse data[0..len); on failure log_err("WHAT: ...") and return false.
 * The module is always safe to wasm_module_free(). */
bool wasm_parse(const uint8_t *data, size_t len, const char *what, struct wasm_module *m);
void wasm_module_free(struct wasm_module *m);

/* type of function index idx (imports first), NULL if out of range */
const struct wasm_functype *wasm_func_type(const struct wasm_module *m, uint32_t idx);
/* exported symbol by name, NULL if absent */
const struct wasm_export *wasm_find_export(const struct wasm_module *m, const char *name);
/* "(i32, i32) -> i64", "() -> ()": newly allocated */
char *wasm_functype_str(const struct wasm_functype *t);
bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b);
void wasm_functype_free(struct wasm_functype *t);

/* In a relocatable object (.o), mark the defined, non-local symbols of the
 * linking section hidden, in place (the LEB128 width never changes): all of
 * them, or those for which want(name) is true. Returns the number of symbols
 * changed, or -1 with log_err on malformed input. */
long wasm_object_hide_symbols(uint8_t *data, size_t len, const char *what,
	bool (*want)(const char *name));

#endif

#ifndef KILN_WASM_H
#define KILN_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one reader of WebAssembly binaries, bounds-checked: the parts that dynamic
 * linking depends on (types, imports, functions, exports, the dylink.0 custom
 * section), the symbol table of a relocatable object's linking section, and the
 * in-place rewrite of its symbol flags. Every length is checked against the input;
 * malformed input is reported, never read out of bounds. */

struct strv;

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
	WASM_SYM_EXPLICIT_NAME = 0x40,
	WASM_SYM_TLS = 0x100,
};

/* kinds of the symbols of a linking section */
enum wasm_symkind {
	WASM_SYMTAB_FUNCTION = 0,
	WASM_SYMTAB_DATA = 1,
	WASM_SYMTAB_GLOBAL = 2,
	WASM_SYMTAB_SECTION = 3,
	WASM_SYMTAB_TAG = 4,
	WASM_SYMTAB_TABLE = 5,
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

/* one entry of the symbol table of a relocatable object */
struct wasm_symbol {
	char *name;        /* NULL for an undefined symbol named by its import */
	enum wasm_symkind kind;
	uint32_t flags;    /* WASM_SYM_* */
	uint32_t index;    /* function, global, tag, table or section index; the segment of
	                    * defined data */
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
	struct wasm_symbol *symbols; /* the linking section's symbol table (objects only) */
	size_t nsymbols;
};

/* whether data starts as a WebAssembly binary of the version this reader knows */
bool wasm_is_binary(const uint8_t *data, size_t len);

/* parse data[0..len); on failure log_err("WHAT: ...") and return false.
 * The module is always safe to wasm_module_free(). */
bool wasm_parse(const uint8_t *data, size_t len, const char *what, struct wasm_module *m);
/* free what wasm_parse allocated and clear m */
void wasm_module_free(struct wasm_module *m);

/* type of function index idx (imports first), NULL if out of range */
const struct wasm_functype *wasm_func_type(const struct wasm_module *m, uint32_t idx);
/* the import of function index idx, NULL when idx is not an imported function */
const struct wasm_import *wasm_func_import(const struct wasm_module *m, uint32_t idx);
/* exported symbol by name, NULL if absent */
const struct wasm_export *wasm_find_export(const struct wasm_module *m, const char *name);
/* "(i32, i32) -> i64", "() -> ()": newly allocated */
char *wasm_functype_str(const struct wasm_functype *t);
/* whether two function types have the same parameters and results */
bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b);
/* free the value type lists of t and clear it */
void wasm_functype_free(struct wasm_functype *t);

/* Append the libraries the dylink.0 section of a module needs to needed, each name
 * once. Reads only the section framing and dylink.0, quietly: false when those are
 * malformed (what was read before stays in needed) or data is not WebAssembly. */
bool wasm_needed(const uint8_t *data, size_t len, struct strv *needed);

/* In a relocatable object (.o), mark the defined, non-local symbols of the
 * linking section hidden, in place (the LEB128 width never changes): all of
 * them, or those for which want(name) is true. Returns the number of symbols
 * changed, or -1 with log_err on malformed input. */
long wasm_object_hide_symbols(uint8_t *data, size_t len, const char *what,
	bool (*want)(const char *name));

#endif

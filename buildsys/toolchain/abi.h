#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "toolchain/wasm.h"

/* The ABI check: every import of a side module against what the Pyodide
 * runtime provides (wasm exports of the main module, functions of its JS glue),
 * the time_t layout difference between toolchain and runtime, and libc++
 * symbols bound across emscripten versions. See docs/abi.md. */

/* a libc function whose prototype involves time_t (generated: abi_time_t.c) */
struct abi_time_t_sym {
	const char *name;
	const char *why; /* "time_t", "struct stat", ... */
};
extern const struct abi_time_t_sym abi_time_t_syms[];
extern const size_t abi_time_t_nsyms;
/* the entry for a function name, NULL if its prototype does not involve time_t */
const struct abi_time_t_sym *abi_time_t_lookup(const char *name);

/* is this a libc++/libc++abi symbol (namespace std, __cxa_*)? */
bool abi_is_libcxx_symbol(const char *name);
/* is this an entity of libc++'s versioned namespace std::__N (functions, data,
 * vtables, typeinfo, guard variables), which a module may instantiate itself? */
bool abi_is_libcxx_definition(const char *name);

/* one symbol the runtime provides to side modules */
struct abi_sym {
	char *name;
	bool func;                     /* function (else data/global) */
	struct wasm_functype type;     /* valid when has_type */
	bool has_type;
	bool params_only;              /* type from a JS .sig annotation: results unreliable */
	const char *from;              /* "wasm export", "JS library" */
};

struct abi_runtime {
	char *dir;
	struct abi_sym *syms;          /* sorted by name */
	size_t nsyms;
	char *emscripten;              /* emscripten version, e.g. "3.1.46" */
	int time_t_size;               /* SIZEOF_TIME_T of the target Python */
	bool wasm_eh;                  /* built with Emscripten 4 or later (ABI 2025_0 and
	                                * later): wasm exceptions and wasm setjmp/longjmp */
};

/* read pyodide.asm.wasm, pyodide.asm.js, pyodide-lock.json and python_stdlib.zip
 * of a Pyodide distribution */
bool abi_runtime_load(const char *dir, struct abi_runtime *rt);
void abi_runtime_free(struct abi_runtime *rt);
const struct abi_sym *abi_runtime_find(const struct abi_runtime *rt, const char *name);

struct abi_toolchain {
	char *emscripten;              /* e.g. "3.1.6" */
	int time_t_size;
};

/* compile a probe with emcc to learn its emscripten version and sizeof(time_t) */
bool abi_toolchain_probe(const char *emcc, struct abi_toolchain *tc);
void abi_toolchain_free(struct abi_toolchain *tc);

enum abi_kind {
	ABI_MISSING,     /* no provider for the import */
	ABI_SIGNATURE,   /* provider has another wasm signature */
	ABI_TIME_T,      /* same signature, different struct layout (time_t size) */
	ABI_LIBCXX,      /* libc++ symbol bound to the runtime's libc++ of another version */
};

struct abi_finding {
	char *file;       /* path, or WHEEL!member */
	char *import;     /* "env.time" */
	char *symbol;     /* "time" */
	enum abi_kind kind;
	char *have;       /* the module's signature, NULL when not relevant */
	char *want;       /* the runtime's signature, NULL when not relevant */
	char *message;    /* the text after "import MODULE.NAME: " */
};

struct abi_report {
	struct abi_finding *v;
	size_t n, cap;
	size_t modules;   /* side modules checked */
};

struct abi_opts {
	const struct strv *allow;      /* symbols exempt from every check (may be NULL) */
	const struct strv *libs;       /* extra provider modules or wheels (may be NULL) */
	const struct abi_toolchain *tc;
};

/* check one .so or every .so of a wheel (by content: zip or wasm); findings are
 * appended to rep. False only when a file cannot be read or is malformed. */
bool abi_check_path(const struct abi_runtime *rt, const struct abi_opts *o, const char *path,
	struct abi_report *rep);
/* check a side module already in memory; name is used in findings */
bool abi_check_buffer(const struct abi_runtime *rt, const struct abi_opts *o, const char *name,
	const unsigned char *data, size_t len, struct abi_report *rep);
void abi_report_free(struct abi_report *rep);
const char *abi_kind_name(enum abi_kind k);
/* "FILE: error: import env.time: ..." one per line */
char *abi_report_text(const struct abi_report *rep);
/* {"modules": N, "findings": [{file, import, symbol, kind, module_signature,
 * runtime_signature, message}]} */
char *abi_report_json(const struct abi_report *rep);

/* Rewrite a static archive of wasm objects (the toolchain's libc++) so that
 * every symbol it defines is hidden, i.e. binds inside the linked module.
 * Writes OUT via the toolchain's archiver (ar, which must create the index). */
bool abi_private_archive(const char *in, const char *out, const char *ar);
/* The same for an archive of objects, hiding only their libc++ entities
 * (abi_is_libcxx_definition), as abi_hide_libcxx_object does for one object. */
bool abi_hide_libcxx_archive(const char *in, const char *out, const char *ar);
/* Mark the libc++ entities (abi_is_libcxx_definition) an object defines hidden,
 * in place, so that the module's own template instantiations bind inside it. */
bool abi_hide_libcxx_object(const char *path);

#endif

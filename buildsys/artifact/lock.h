#ifndef KILN_LOCK_H
#define KILN_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

struct recipe;
struct wheel;

/* pyodide-lock.json: the runtime's package index. kiln keeps the whole JSON
 * tree, so fields it does not know survive a rewrite. An entry is written in the
 * layout of the lock's own entries: Pyodide 0.25's carry shared_library, pyodide-lock
 * 0.2's do not, 314's carry tool; a lock without entries gets its format's layout. */
struct lock;

/* one entry of "packages" */
struct lock_pkg {
	char *name, *version, *file_name;
	char *install_dir;     /* "site", "dynlib" or "stdlib" */
	char *sha256;          /* hex of the file */
	char *package_type;    /* "package", "shared_library" or "cpython_module" */
	struct strv imports, depends;
	bool unvendored_tests, shared_library;
};

/* the kinds of file kiln makes entries for */
enum lock_kind {
	LOCK_PACKAGE,        /* a wheel: install_dir "site", package_type "package" */
	LOCK_CPYTHON_MODULE, /* a wheel of a module CPython leaves out: "site", "cpython_module" */
	LOCK_SHARED_LIBRARY, /* NAME-VERSION.zip, unpacked into the runtime's library directory
	                      * and loaded globally: "dynlib", "shared_library" */
};

/* the entries that one package's build made, in order */
struct lock_pkgs {
	struct lock_pkg *v;
	size_t n, cap;
};

/* read and check a lockfile; false with the file, line, column and field of the problem */
struct lock *lock_load(const char *path);
/* the same from memory; origin names it in messages */
struct lock *lock_parse(const char *text, size_t len, const char *origin);
void lock_free(struct lock *l);

/* a string of "info" ("python", "platform", "arch", "version", "abi_version"), or NULL */
const char *lock_info(const struct lock *l, const char *key);
/* whether the "info" objects of two lockfiles are equal (the same runtime) */
bool lock_info_equal(const struct lock *a, const struct lock *b);
/* the wheel platform tag of the runtime (runtime_wheel_platform): emscripten_3_1_46_wasm32,
 * pyemscripten_2026_0_wasm32, or with legacy the older pyodide_2026_0_wasm32 */
char *lock_platform_tag(const struct lock *l, bool legacy);
/* the CPython tag of the runtime, "cp311" */
char *lock_python_tag(const struct lock *l);

/* is there an entry for this (any spelling of the) name */
bool lock_has(const struct lock *l, const char *name);
/* copy an entry out; false if absent */
bool lock_get(const struct lock *l, const char *name, struct lock_pkg *out);
/* add an entry under its normalised name, replacing any previous one */
void lock_set(struct lock *l, const struct lock_pkg *p);
/* remove an entry; false if absent */
bool lock_remove(struct lock *l, const char *name);
/* number of packages */
size_t lock_count(const struct lock *l);
/* the names of its entries, in the lock's order, appended to out */
void lock_names(const struct lock *l, struct strv *out);
void lock_pkg_free(struct lock_pkg *p);

/* an entry of kind for a file, imports and depends empty */
void lock_pkg_init(struct lock_pkg *out, enum lock_kind kind, const char *name,
	const char *version, const char *file_name, const char *sha256);

/* the entry of a file built from recipe r: its name and version, imports (package.top_level,
 * else the name; none for a shared library) and depends (its run requirements, normalised) */
void lock_pkg_for_recipe(struct lock_pkg *out, const struct recipe *r, enum lock_kind kind,
	const char *file_name, const char *sha256);

/* an entry for a wheel file: imports from top_level.txt or the wheel's top-level names,
 * depends from Requires-Dist that apply to the runtime, mapped to packages of the lock
 * or of also (names added in the same batch; may be NULL) */
void lock_pkg_from_wheel(struct lock_pkg *out, const struct wheel *w, const char *file_name,
	const char *sha256, const struct lock *l, const struct strv *also);

/* the "<name>-tests" entry for pkg's unvendored tests archive (as Pyodide 0.25.1 lists
 * them); pkg is marked as having unvendored tests */
void lock_pkg_tests(struct lock_pkg *out, struct lock_pkg *pkg, const char *file_name,
	const char *sha256);

/* append p (taken over: p is left empty) */
void lock_pkgs_add(struct lock_pkgs *l, struct lock_pkg *p);
void lock_pkgs_free(struct lock_pkgs *l);
/* the record of a build's entries, {"name", "version", "type", "packages": [entry...]}, in
 * cJSON's indented layout; name, version and type are the built package's */
char *lock_pkgs_render(const struct lock_pkgs *l, const char *name, const char *version,
	const char *type);
/* the entries of such a record; false when it is not one */
bool lock_pkgs_parse(const char *text, struct lock_pkgs *out);

/* deterministic JSON: keys sorted, Python's json.dumps layout, ASCII only */
char *lock_render(const struct lock *l);
/* render and write atomically */
bool lock_write(const struct lock *l, const char *path);

#endif

#ifndef KILN_RECIPE_H
#define KILN_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "recipe/diag.h"
#include "recipe/ydoc.h"

/* A Pyodide recipe (recipes/<name>/meta.yaml), typed, every value located.
 * The schema is pyodide-build's; docs/recipes.md describes every key. */

struct recipe_pos {
	unsigned line, col; /* 0 when the key is absent */
};

/* a string value; s is the default ("" or NULL) when the key is absent */
struct recipe_str {
	const char *s;
	struct recipe_pos pos;
	bool set;
};

struct recipe_list {
	struct recipe_str *v;
	size_t n;
	struct recipe_pos pos;
	bool set;
};

struct recipe_bool {
	bool v;
	struct recipe_pos pos;
	bool set;
};

/* source.extras entry: copy src (relative to the recipe dir) to dst in the source tree */
struct recipe_extra {
	struct recipe_str src, dst;
};

enum recipe_type {
	RECIPE_PACKAGE,
	RECIPE_STATIC_LIBRARY,
	RECIPE_SHARED_LIBRARY,
	RECIPE_CPYTHON_MODULE,
};

enum recipe_exports {
	RECIPE_EXPORTS_PYINIT,
	RECIPE_EXPORTS_REQUESTED,
	RECIPE_EXPORTS_WHOLE_ARCHIVE,
	RECIPE_EXPORTS_LIST, /* build.exports_list holds the symbol names */
};

struct recipe {
	char *file;      /* the meta.yaml path as given */
	char *dir;       /* the recipe directory */
	char *norm_name; /* PEP 503 normalised package.name */
	bool ok;         /* no error was found in this file */
	struct recipe_pos source_pos; /* the `source` key, or 1:1 */

	struct {
		struct recipe_str name, version;
		struct recipe_list top_level, tag;
		struct recipe_bool disabled, pinned;
	} package;
	struct {
		struct recipe_str url, sha256, path, extract_dir;
		struct recipe_list patches;
		struct recipe_extra *extras;
		size_t n_extras;
		struct recipe_pos extras_pos;
		bool extras_set;
	} source;
	struct {
		enum recipe_type type;
		struct recipe_str type_str;
		struct recipe_str script, cross_script, post;
		struct recipe_str cflags, cxxflags, ldflags, backend_flags;
		enum recipe_exports exports;
		struct recipe_str exports_str;   /* when a string */
		struct recipe_list exports_list; /* when a list */
		struct recipe_bool unvendor_tests, vendor_sharedlib, cross_build_env;
		struct recipe_list retain_test_patterns, cross_build_files;
	} build;
	struct {
		struct recipe_list run, host, executable, constraint;
	} requirements;
	struct {
		struct recipe_list imports;
		struct recipe_str script; /* kiln: Python run inside Pyodide after the imports */
	} test;
	struct {
		struct recipe_str home, pypi, summary, license;
	} about;
	struct {
		struct recipe_list recipe_maintainers;
	} extra;

	struct arena arena; /* owns every string above */
};

/* Load and validate file (a meta.yaml). Every problem is reported to d.
 * NULL when the file cannot be read or parsed into a mapping; otherwise the
 * recipe, with ok false if any error was found. */
struct recipe *recipe_load(const char *file, struct diags *d);
/* The same, except that a file that does not exist (or a path through
 * something that is not a directory) is no error: NULL and *missing. */
struct recipe *recipe_try_load(const char *file, struct diags *d, bool *missing);
void recipe_free(struct recipe *r);

/* looks up a build variable for $(NAME); NULL if undefined */
typedef const char *(*recipe_lookup_fn)(const char *name, void *ctx);

/* Substitute $(NAME) in source.url, source.sha256, source.extract_dir and the
 * build flags (cflags, cxxflags, ldflags, backend-flags), then re-run the
 * checks that depended on them. false (with diagnostics) on an undefined
 * variable or a value that is invalid once substituted. */
bool recipe_substitute(struct recipe *r, recipe_lookup_fn lookup, void *ctx, struct diags *d);

/* true if s contains a $(NAME) reference */
bool recipe_has_var(const char *s);
/* the source is a prebuilt wheel (url ends in .whl) */
bool recipe_is_wheel(const struct recipe *r);
const char *recipe_type_name(enum recipe_type t);
/* PEP 503 normalised name: ASCII letters lower case (whatever the locale; other bytes
 * are kept), runs of -_. become one -. The one normaliser of distribution names. */
char *recipe_normalize(const char *name);
/* the same into out (room for strlen(name) + 1); returns its length */
size_t recipe_normalize_to(const char *name, char *out);

#endif

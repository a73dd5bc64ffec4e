#ifndef KILN_WHEEL_H
#define KILN_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* Wheels (PEP 427) in memory: read with libarchive, edited, written back
 * reproducibly. A wheel is a list of files; directories are implied. */

/* the parts of a wheel file name {dist}-{version}(-{build})?-{py}-{abi}-{plat}.whl */
struct wheel_name {
	char *dist, *version, *build, *python, *abi, *platform;
};

struct wheel_file {
	char *name;          /* path inside the archive, '/'-separated, no leading '/' */
	unsigned char *data;
	size_t size;
	bool exec;           /* written 0755 instead of 0644 */
};

/* what METADATA, WHEEL and top_level.txt say */
struct wheel_meta {
	char *name, *version, *summary;
	struct strv requires_dist; /* raw Requires-Dist values */
	struct strv tags;          /* WHEEL Tag values, e.g. "py3-none-any" */
	bool root_is_purelib;
	struct strv top_level;     /* importable top-level names */
};

struct wheel {
	char *origin;              /* the file or directory it was read from */
	struct wheel_file *files;
	size_t n, cap;
	char *dist_info;           /* "name-version.dist-info" */
	struct wheel_meta meta;
};

/* the target a wheel is retagged for */
struct wheel_target {
	const char *python_tag;        /* "cp311" */
	const char *platform_tag;      /* "emscripten_3_1_46_wasm32" */
	const char *host_ext_suffix;   /* ".cpython-311-x86_64-linux-gnu.so"; NULL: no renaming */
	const char *target_ext_suffix; /* ".cpython-311-wasm32-emscripten.so" */
};

/* split a wheel file name (a path's directory part is ignored) */
bool wheel_name_parse(const char *path, struct wheel_name *out);
void wheel_name_free(struct wheel_name *n);

/* read a .whl file into memory and parse its metadata */
struct wheel *wheel_read(const char *path);
/* read an unpacked wheel directory (symlinks and special files are errors) */
struct wheel *wheel_read_dir(const char *dir);
/* read every file under dir without looking for metadata (for plain archives) */
struct wheel *wheel_read_tree(const char *dir);
/* the RECORD lists every file with the right sha256 and size, and nothing else */
bool wheel_verify_record(const struct wheel *w);
/* wheel_read + wheel_verify_record: a wheel taken as it is */
struct wheel *wheel_check(const char *path);
void wheel_free(struct wheel *w);

/* file by archive path, or NULL */
struct wheel_file *wheel_find(const struct wheel *w, const char *name);
/* add a file (copying data) or replace the one with that name */
void wheel_put(struct wheel *w, const char *name, const void *data, size_t size, bool exec);
/* remove a file; false if absent */
bool wheel_remove(struct wheel *w, const char *name);

/* any extension module or shared library (*.so, *.so.N) outside the dist-info */
bool wheel_has_compiled_modules(const struct wheel *w);
/* every *.so is WebAssembly (a host ELF object means the cross build fell back to the host) */
bool wheel_check_wasm(const struct wheel *w);
/* rename files ending in from_suffix to end in to_suffix; returns how many */
size_t wheel_rename_suffix(struct wheel *w, const char *from_suffix, const char *to_suffix);
/* set WHEEL's Tag lines (and Root-Is-Purelib) for t: pure wheels keep py3-none-any */
bool wheel_retag(struct wheel *w, const struct wheel_target *t);
/* replace WHEEL's Tag lines by tags (taken over, left empty) and set Root-Is-Purelib */
void wheel_set_tags(struct wheel *w, struct strv *tags, bool purelib);
/* "py3-none-any" or "cp311-cp311-emscripten_3_1_46_wasm32" from the Tag lines */
char *wheel_tag_string(const struct wheel *w);
/* canonical file name: original dist part, METADATA version, tags of WHEEL */
char *wheel_file_name(const struct wheel *w);

/* move test files out of w into tests (a wheel with no metadata): directories named
 * test/tests, test_*.py, *_test.py, conftest.py; files matching a retain pattern
 * (fnmatch on base name or path) stay; returns how many files moved */
size_t wheel_unvendor_tests(struct wheel *w, struct wheel *tests, const struct strv *retain);
/* copy shared libraries into "<top>.libs/" of the wheel (top: the dist name) */
bool wheel_vendor_libs(struct wheel *w, const struct strv *libs);
/* libraries the wheel's modules need that the wheel does not hold, sorted */
void wheel_needed_libs(const struct wheel *w, struct strv *needed);
/* vendor what the wheel needs (transitively) from the first of dirs holding it;
 * libraries found nowhere are left to the runtime (a shared_library package) */
bool wheel_vendor_needed(struct wheel *w, const struct strv *dirs);

/* an archive the runtime unpacks as it is (a tests tar, a shared library zip):
 * regular files and directories with safe names, at least one file */
bool wheel_check_plain(const char *path);
/* extract into dir (created; secure against .., absolute paths, symlinks) */
bool wheel_unpack(const struct wheel *w, const char *dir);
/* write a fresh RECORD and the zip to out_path, atomically and reproducibly */
bool wheel_write(struct wheel *w, const char *out_path);
/* write the files as a plain zip (a shared library's "<name>-<version>.zip"), reproducibly */
bool wheel_write_zip(const struct wheel *w, const char *out_path);
/* write the files as an uncompressed tar (Pyodide's "<name>-tests.tar"), reproducibly */
bool wheel_write_tar(const struct wheel *w, const char *out_path);

/* the timestamp for archive entries: SOURCE_DATE_EPOCH, else 1980-01-01 (315532800) */
int64_t wheel_epoch(void);

/* s[0..n) can be a top-level import name: Python's identifier rules on ASCII (letters,
 * digits, '_', no digit first), with every byte >= 0x80 taken as part of a non-ASCII
 * (UTF-8) letter, whose classes are not checked */
bool wheel_is_identifier(const char *s, size_t n);

/* the single .whl in dir; 0 or 2+ wheels are an error naming what was found */
char *wheel_find_one(const char *dir);

/* post-processing of a freshly built wheel */
struct wheel_post_opts {
	const char *name;            /* recipe package name (names the tests archive) */
	const char *version;         /* recipe version; the wheel must match; NULL: any */
	const struct wheel_target *target;
	const char *work_dir;        /* scratch: the wheel is unpacked in <work_dir>/wheel */
	const char *dist_dir;        /* where the final wheel (and tests tar) go */
	bool unvendor_tests;
	const struct strv *retain_test_patterns; /* may be NULL */
	const struct strv *vendor_libs;          /* shared libraries to vendor; may be NULL */
	const struct strv *lib_dirs;  /* where needed libraries are vendored from; may be NULL */
	/* run in the unpacked wheel before repacking (the recipe's `post`); may be NULL */
	bool (*post)(const char *wheel_dir, void *ctx);
	void *post_ctx;
};

struct wheel_post_result {
	char *wheel_path;      /* the final wheel in dist_dir */
	char *tests_path;      /* "<name>-tests.tar" in dist_dir, NULL when no tests moved */
	bool compiled;         /* the wheel holds compiled modules */
	struct wheel *wheel;   /* the final wheel, for the lockfile */
};

/* find the single wheel in build_dir and turn it into the target's wheel */
bool wheel_postprocess(const char *build_dir, const struct wheel_post_opts *o,
	struct wheel_post_result *r);
/* a recipe whose source is a wheel: verify it (RECORD, a tag that suits t) and copy it
 * unchanged into dist_dir under its own name, atomically */
bool wheel_pass_through(const char *path, const struct wheel_target *t, const char *dist_dir,
	struct wheel_post_result *r);
void wheel_post_result_free(struct wheel_post_result *r);

#endif

#ifndef KILN_DYNLIB_H
#define KILN_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* Libraries loaded on first use with dlopen(3). Every compiler call of a
 * build and every `kiln check` goes through kiln's start-up, and the dynamic
 * linking of libarchive (with libxml2, ICU and libstdc++ behind it), libcurl
 * and libcrypto cost about 17 M instructions before main, more than parsing
 * a few hundred recipes. So only libyaml, cJSON and libc are linked; the other
 * three are compiled against their pkg-config headers and opened by soname
 * when first used (lib_curl.h, lib_archive.h, lib_crypto.h). */

struct dynsym {
	const char *name;
	size_t offset; /* of the function pointer in the table */
};

/* Open soname and fill the table's pointers; false, reported, when the
 * library or one of the symbols is missing (the table is left untouched). */
bool dynlib_load(const char *soname, const struct dynsym *syms, size_t n, void *table, size_t size);

/* A library every use of which needs it: loaded once, from any thread, by the
 * first dynlib_need. One that cannot be loaded ends kiln (exit 1), as a
 * missing library at start-up would have. */
struct dynlib {
	const char *soname;
	const struct dynsym *syms;
	size_t n;
	void *table;
	size_t size;
	_Atomic int loaded;
};

/* the filled table */
void *dynlib_need(struct dynlib *l);

#endif

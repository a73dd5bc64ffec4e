#ifndef KILN_EXTRACT_H
#define KILN_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Safe unpacking of source archives (tar.gz/.bz2/.xz/.zst, tar, zip) and the source-tree
 * preparation of a recipe: extract, pick the top directory, patch, copy extras.
 * Nothing is ever written outside the destination; an archive that tries (.. or absolute
 * names, links leading out, writing through a symlink, device nodes, duplicates, names that
 * are not UTF-8, absurd sizes) is rejected with an error naming the entry. */

struct extract_limits {
	uint64_t max_entry_size; /* bytes of one file; 0: 4 GiB */
	uint64_t max_total_size; /* bytes of all files; 0: 16 GiB */
	unsigned max_ratio;      /* unpacked bytes per archive byte; 0: 200 */
	uint64_t ratio_floor;    /* the ratio applies above this many unpacked bytes; 0: 256 MiB */
	size_t max_entries;      /* 0: 1,000,000 */
};

/* a file copied from the recipe directory into the source tree */
struct extract_extra {
	const char *src; /* relative to the recipe directory */
	const char *dst; /* relative to the source tree; a directory (or ending in /) keeps the name */
};

/* unpack archive into destdir, which must not exist yet; it appears only when complete.
 * lim NULL: the defaults. Changes the working directory during the call. */
bool extract_archive(const char *archive, const char *destdir, const struct extract_limits *lim);

/* the name of archive without directory and archive extension: foo-1.0.tar.gz -> foo-1.0 */
char *extract_archive_stem(const char *archive);

/* apply patches (relative to recipe_dir) in order with `patch -p1` in srcdir */
bool extract_apply_patches(const char *srcdir, const char *const *patches, size_t n,
			   const char *recipe_dir);

/* copy extras from recipe_dir into srcdir */
bool extract_copy_extras(const char *srcdir, const struct extract_extra *extras, size_t n,
			 const char *recipe_dir);

/* the source tree of a recipe: unpack archive, take its directory extract_dir (NULL: the
 * archive stem, else the single top directory; "." the whole archive), apply the patches,
 * copy the extras, and move the result to destdir (which must not exist). destdir appears
 * only when every step succeeded. */
bool extract_prepare_source(const char *archive, const char *destdir, const char *extract_dir,
			    const char *const *patches, size_t n_patches,
			    const struct extract_extra *extras, size_t n_extras,
			    const char *recipe_dir);

#endif

#ifndef KILN_SRCTREE_H
#define KILN_SRCTREE_H

#include <stdbool.h>
#include <stddef.h>

/* The source tree of a recipe: its archive unpacked safely (build/unpack.h), the
 * directory that holds the source picked, its patches applied and its extra files copied
 * in; the tree appears only when every step succeeded. */

/* a file copied from the recipe directory into the source tree */
struct srctree_extra {
	const char *src; /* relative to the recipe directory */
	const char *dst; /* relative to the source tree; a directory (or ending in /) keeps the name */
};

/* the name of archive without directory and archive extension: foo-1.0.tar.gz -> foo-1.0 */
char *srctree_archive_stem(const char *archive);

/* apply patches (relative to recipe_dir) in order with `patch -p1` in srcdir */
bool srctree_apply_patches(const char *srcdir, const char *const *patches, size_t n,
			   const char *recipe_dir);

/* copy extras from recipe_dir into srcdir */
bool srctree_copy_extras(const char *srcdir, const struct srctree_extra *extras, size_t n,
			 const char *recipe_dir);

/* unpack archive, take its directory extract_dir (NULL: the archive stem, else the single
 * top directory; "." the whole archive), apply the patches, copy the extras, and move the
 * result to destdir (which must not exist). destdir appears only when every step
 * succeeded. */
bool srctree_prepare(const char *archive, const char *destdir, const char *extract_dir,
		     const char *const *patches, size_t n_patches,
		     const struct srctree_extra *extras, size_t n_extras, const char *recipe_dir);

#endif

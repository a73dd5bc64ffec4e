#ifndef KILN_UNPACK_H
#define KILN_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Safe unpacking of archives (tar.gz/.bz2/.xz/.zst, tar, zip). Nothing is ever written
 * outside the destination; an archive that tries (.. or absolute names, links leading out,
 * writing through a symlink, device nodes, duplicates, names that are not UTF-8, absurd
 * sizes) is rejected with an error naming the entry. Unpacking changes the working
 * directory during the call (restored afterwards): not for threaded callers. */

struct unpack_limits {
	uint64_t max_entry_size; /* bytes of one file; 0: 4 GiB */
	uint64_t max_total_size; /* bytes of all files; 0: 16 GiB */
	unsigned max_ratio;      /* unpacked bytes per archive byte; 0: 200 */
	uint64_t ratio_floor;    /* the ratio applies above this many unpacked bytes; 0: 256 MiB */
	size_t max_entries;      /* 0: 1,000,000 */
};

/* unpack archive into destdir, which must not exist yet; it appears only when complete.
 * lim NULL: the defaults. */
bool unpack_archive(const char *archive, const char *destdir, const struct unpack_limits *lim);

/* unpack archive into a new temporary directory beside dest (created with its parents)
 * and return that directory, which the caller renames or removes; NULL (reported, nothing
 * left behind) on failure */
char *unpack_beside(const char *archive, const char *dest, const struct unpack_limits *lim);

/* a relative name as the tree holds it: "./a//b/" -> "a/b"; NULL with *why set when it is
 * absolute or has a ".." component */
char *unpack_normalize(const char *name, const char **why);

#endif

#ifndef KILN_ARCREAD_H
#define KILN_ARCREAD_H

#include <stdbool.h>
#include <stddef.h>

/* Reading archives (zip, tar with any compression, ar) with libarchive: the one loop over
 * the entries of an archive that every reader uses. Include base/lib_archive.h for the
 * entry accessors. */

struct archive;
struct archive_entry;
struct buf;

enum arc_format {
	ARC_ZIP = 1,
	ARC_TAR = 2, /* tar and GNU tar, with every compression filter */
	ARC_ALL = 4, /* every format and filter libarchive reads */
	ARC_ZIP_INDEX = 8, /* zip read through its central directory, as Python's zipfile reads it
	                    * (the streaming reader of ARC_ZIP accepts a truncated file) */
	ARC_TAR_PLAIN = 16, /* tar and GNU tar without compression */
	ARC_AR = 32,  /* ar archives (static libraries), without filters */
};

/* what an entry callback asks for */
enum arc_step {
	ARC_NEXT, /* go on with the next entry */
	ARC_STOP, /* stop: the walk succeeded */
	ARC_FAIL, /* stop: the walk failed (the callback has reported why) */
};

/* called for each entry in archive order; the entry's data can be read with
 * arc_entry_data or archive_read_data* until the callback returns */
typedef enum arc_step (*arc_entry_fn)(struct archive *a, struct archive_entry *e, void *ctx);

struct arc_source {
	const char *path;    /* a file, or */
	const void *data;    /* an archive in memory */
	size_t len;
	const char *origin;  /* the name in messages; NULL: path */
	unsigned formats;    /* enum arc_format bits */
	bool warnings_fail;  /* a libarchive warning on an entry header fails the walk too */
	bool short_errors;   /* a failed open is "ORIGIN: WHY", without "cannot read the archive" */
};

/* Call fn for every entry. A failure to open or read the archive is reported as
 * "ORIGIN: cannot read the archive: WHY" (with short_errors "ORIGIN: WHY") / "ORIGIN: WHY".
 * Entries with a warning are passed to fn unless warnings_fail. True when the archive was read
 * to its end or fn stopped it; false when reading failed or fn returned ARC_FAIL. */
bool arc_each(const struct arc_source *src, arc_entry_fn fn, void *ctx);

/* Append the data of the current entry to b (kept NUL-terminated): 0 when read whole;
 * -1 when libarchive fails (archive_error_string says why); 1 when it would make b longer
 * than max bytes. */
int arc_entry_data(struct archive *a, struct buf *b, size_t max);

/* Write the data of the current entry into a new file out (O_EXCL, never through a link)
 * with permissions perm; a failure is reported as "ORIGIN: WHY" or "cannot write OUT: WHY" */
bool arc_entry_to_file(struct archive *a, const char *origin, const char *out, unsigned perm);

/* libarchive's message for a failed write, with the system's reason ("Write error:
 * No space left on device"); valid until the next call in the same thread */
const char *arc_write_error(struct archive *a);

#endif

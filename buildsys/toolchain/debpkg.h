#ifndef KILN_DEBPKG_H
#define KILN_DEBPKG_H

#include <stdbool.h>
#include <stddef.h>

/* Single Debian packages taken from apt's indexes without installing them: the record apt
 * has of a package (`apt-cache show`), the .deb fetched with `apt-get download` and checked
 * against the SHA256 of that record (a mismatch deletes the file), and the data.tar.* member
 * read with libarchive. The users unpack what they need from it (toolchain/pyheaders: a
 * target Python's headers; toolchain/emtoolchain: an Emscripten release). Failures are
 * reported through log_err. */

struct buf;

struct debpkg {
	char *package;   /* libpython3.13-dev */
	char *version;   /* the Debian version, 3.13.5-2+deb13u5 */
	char *filename;  /* its pool path, pool/main/p/python3.13/libpython3.13-dev_..._amd64.deb */
	char sha256[65]; /* as apt records it (lower case hex) */
};

/* The first record of `apt-cache show [--no-all-versions] NAMES...` (names: "pkg",
 * "pkg/stable"...) whose Package is package and, when version is not NULL, whose Version is
 * version or starts with it followed by '+', '-' or '~' (a version ending in '.', "1.97.", is a
 * prefix of the versions it matches). 1: found, into *out; 0: apt has no
 * such record (not reported: the caller says what it means); -1: apt failed (reported). */
int debpkg_lookup(const char *package, const char *const *names, bool all_versions,
	const char *version, struct debpkg *out);
void debpkg_free(struct debpkg *d);

/* the file at path has the record's SHA-256; else it is deleted (reported) */
bool debpkg_verify(const char *path, const struct debpkg *d);

/* `apt-get download PACKAGE=VERSION` into dir, verified: the .deb's path, NULL (reported,
 * nothing left) on failure */
char *debpkg_download(const struct debpkg *d, const char *dir);

/* the data.tar.* member of the .deb at path into data (at most max bytes) and its name into
 * *member */
bool debpkg_data(const char *path, size_t max, struct buf *data, char **member);

#endif

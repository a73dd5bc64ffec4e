#ifndef KILN_PYHEADERS_H
#define KILN_PYHEADERS_H

#include <stdbool.h>

struct debpkg;

/* The C headers of a target Python 3.X that is not the host's, from Debian's
 * libpython3.X-dev: the .deb apt's indexes record (trixie has 3.13, sid 3.14; ci/setup adds
 * both suites at pin priority 1), fetched with `apt-get download`, checked against the
 * SHA256 apt records for it, and unpacked with libarchive into a cache directory, where it
 * is reused. An entry is <cache_dir>/python3.X/ with include/python3.X/ (Python.h and the
 * rest, exactly as packaged), include/<multiarch>/python3.X/pyconfig.h (the build's own,
 * when the package splits it out) and `source` (package, version, sha256, multiarch: one
 * key=value a line). Failures are reported through log_err. */

/* the headers of one minor in the cache */
struct pyheaders {
	char *dir;         /* the entry, <cache_dir>/python3.X */
	char *include_dir; /* <dir>/include/python3.X: where Python.h is */
	char *pyconfig;    /* <dir>/include/<multiarch>/python3.X/pyconfig.h, the build's own
	                    * pyconfig.h (a template of names); NULL when not split out */
	char *version;     /* the Debian version of the .deb they came from */
	char sha256[65];   /* the SHA-256 of that .deb */
	bool fetched;      /* fetched by this call; false: reused from the cache */
};

/* Python 3.<minor>'s headers into *out: the cache entry when there is one (no apt, no
 * network), else lookup, download, verify and unpack into a temporary directory under
 * cache_dir renamed into place. A minor that apt has no libpython3.X-dev for is refused
 * with that reason and the --python-include option to name headers instead. */
bool pyheaders_get(int minor, const char *cache_dir, struct pyheaders *out);
void pyheaders_free(struct pyheaders *h);

/* the record of libpython3.<minor>-dev in apt's indexes (toolchain/debpkg): the stable
 * suite's when it has one, else apt's candidate; a minor apt has none of is refused naming
 * --python-include */
bool pyheaders_lookup(int minor, struct debpkg *deb);
/* Unpack usr/include/python3.<minor>/ and usr/include/<multiarch>/python3.<minor>/ of the
 * .deb at path into dest/include/ (dest is created), regular files and directories only.
 * *multiarch (may be NULL) gets the multiarch directory's name, or NULL. Refused: a package
 * without those headers, entries of other kinds or with unsafe names, and headers whose
 * patchlevel.h is not Python 3.<minor>. */
bool pyheaders_unpack(const char *path, int minor, const char *dest, char **multiarch);
/* true when include_dir/patchlevel.h is Python 3.<minor>'s (reported otherwise) */
bool pyheaders_check_minor(const char *include_dir, int minor);

#endif

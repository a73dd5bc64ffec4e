#ifndef KILN_FETCH_H
#define KILN_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

/* Source downloads into a content-addressed cache:
 *   <cache>/sources/<sha256>/<file name>
 * A file under its final name is always complete and verified. Each item is looked up in the
 * cache, then on every mirror (<mirror>/<file name>), then on the project page of each package
 * index (a file of that name listed there), then at its own URL; every byte is checked against
 * the expected sha256 while it streams in. */

struct fetch_item {
	const char *url;       /* http://, https:// or file:// URL, or a local path */
	const char *file_name; /* name in the cache and on mirrors; NULL: the URL's last component */
	const char *sha256;    /* expected digest, 64 hex digits */
	const char *project;   /* the project it is listed under on indexes; NULL: from the file
				* name (sdist or wheel), no index when it is neither */
	char *path;            /* out: the verified file in the cache, NULL on failure */
	char *error;           /* out: why the item failed (every source tried), NULL on success */
};

struct fetch_opts {
	const char *cache_dir;     /* NULL: config_cache_dir() */
	const char *const *mirrors; /* DIR or URL (http, https, file), tried in order before the URL */
	size_t n_mirrors;
	const char *const *indexes; /* PEP 503/691 indexes, asked after the mirrors (index.h) */
	size_t n_indexes;
	unsigned jobs;            /* parallel transfers; 0: 4 */
	unsigned tries;           /* attempts per source on transient failures; 0: 3 */
	unsigned backoff_ms;      /* wait before the first retry, doubled each time; 0: 1000 */
	long connect_timeout;     /* seconds; 0: 30 */
	long stall_timeout;       /* seconds below 1 byte/s before a transfer fails; 0: 60 */
	long max_redirects;       /* 0: 10 */
};

/* fetch every item; true when all succeeded. Each item gets path or error; failures are logged. */
bool fetch_all(struct fetch_item *items, size_t n, const struct fetch_opts *opts);
/* where the verified file of an item is in the source cache of cache_dir (whether it is there
 * or not); NULL when its sha256 or file name is not valid */
char *fetch_cache_path(const char *cache_dir, const struct fetch_item *it);
/* free the outputs of an item */
void fetch_item_clear(struct fetch_item *it);
/* An sdist chosen on package indexes, as `pip download --no-binary :all: SPEC` would. */
struct fetch_sdist {
	char *path;   /* the verified file in the cache */
	char *url;    /* where the index lists it */
	char sha256[65];
};

/* SPEC is NAME or NAME==VERSION (a project name, not a path or URL) */
bool fetch_is_spec(const char *spec);
/* the sdist (.tar.gz, else .zip) of spec: the exact version, or the newest final release, from
 * the first index that has one, verified against the sha256 the index lists (a file listed
 * without one is refused); false (reported, naming every index asked) when none has it */
bool fetch_sdist(const char *spec, const char *const *indexes, size_t n_indexes,
	struct fetch_sdist *out);
void fetch_sdist_free(struct fetch_sdist *s);

/* append the mirrors listed in $KILN_MIRRORS (separated by spaces or commas) */
void fetch_mirrors_from_env(struct strv *mirrors);

#endif

#ifndef KILN_REMOTE_H
#define KILN_REMOTE_H

#include <stdbool.h>

#include "base/util.h"
#include "build/cache.h"

/* A remote cache shared by machines: the plain HTTP protocol of ccache, sccache and Bazel's
 * remote caches, GET/HEAD/PUT/DELETE of <url>/<kind>/<key>, in Bazel's two kinds so that
 * nginx WebDAV, bazel-remote or an S3-compatible HTTP endpoint serve it unchanged:
 *   cas/<sha256>  an object named by the SHA-256 of its bytes: a package's cache entry packed
 *                 as one tar archive, or a source file
 *   ac/<key>      a package's cache key -> a small manifest naming its entry's cas object
 *                 ("kiln-remote-cache 1", "name N", "sha256 H", "size S" lines)
 * The cas object is written before the manifest that names it, and each PUT is one complete
 * object, so a reader sees an entry whole or not at all. Every object is checked against its
 * SHA-256 on download: a mismatch is reported, the object ignored (and deleted where the
 * store allows) and the package built locally. The first failure of the store (refused,
 * timed out, 5xx, a truncated body) is one warning, after which the store is not asked again
 * in this run: a build's result never depends on the store. Credentials come from
 * $KILN_REMOTE_CACHE_AUTH (user:password) or a netrc file ($NETRC, else ~/.netrc); messages
 * show the URL without them. */

struct remote {
	char *url;          /* base URL, no trailing slash */
	char *shown;        /* the URL for messages, without credentials */
	char *tmp;          /* directory of downloads and packed entries */
	bool write;         /* readwrite: uploads */
	bool down;          /* failed once: warned, not asked again */
	/* no connection within connect_timeout seconds, or less than min_rate bytes/s for
	 * stall_timeout seconds, is a failure of the store ($KILN_REMOTE_CACHE_CONNECT_TIMEOUT,
	 * $KILN_REMOTE_CACHE_TIMEOUT, $KILN_REMOTE_CACHE_MIN_RATE; 5, 30, 1024) */
	long connect_timeout, stall_timeout, min_rate;
	void *easy;         /* the reused libcurl handle */
};

/* what a lookup found */
enum remote_result {
	REMOTE_MISS,
	REMOTE_HIT,
	REMOTE_BAD,  /* a damaged object: reported and ignored */
	REMOTE_DOWN, /* the store failed (warned once) or is not asked any more */
};

/* a store at url; write: uploads too. cache_dir holds its temporary files. False
 * (reported) when libcurl cannot be loaded or the URL is not http(s). */
bool remote_open(struct remote *r, const char *url, bool write, const char *cache_dir);
void remote_close(struct remote *r);

/* the URL without user and password (newly allocated); NULL when it is no URL */
char *remote_shown_url(const char *url);
/* does url carry a user or password */
bool remote_url_has_credentials(const char *url);

/* the cache entry of package name under key k from the store, verified and unpacked into
 * <cache_dir>/builds/<name>/<key>/ (cache_publish) */
enum remote_result remote_get_entry(struct remote *r, const char *cache_dir, const char *name,
	const struct cache_key *k);
/* the published entry of name under k: the local cache, then the store (r may be NULL),
 * whose hit is unpacked into the local cache first (*remote_hit). NULL when neither has it. */
char *remote_lookup(struct remote *r, const char *cache_dir, const char *name,
	const struct cache_key *k, bool *remote_hit);

/* upload the published entry dir of name under key; REMOTE_HIT when uploaded, REMOTE_MISS
 * when the store had it already or the mode is read, REMOTE_DOWN when it failed */
enum remote_result remote_put_entry(struct remote *r, const char *name, const char *key,
	const char *entry);

/* a source file by its sha256 into <cache_dir>/sources/<sha256>/<file_name>, verified */
enum remote_result remote_get_source(struct remote *r, const char *cache_dir,
	const char *sha256, const char *file_name);
/* upload a verified source file unless the store has it */
enum remote_result remote_put_source(struct remote *r, const char *sha256, const char *path);

/* The record of build durations that --shard balances by, shared through the store:
 * ac/<sha256 of "kiln-durations 1" and the cross environment's id>, a text of
 * "kiln-durations 1" and then "NAME SECONDS" lines sorted by name. */
/* the store's record into records ("NAME SECONDS" strings); REMOTE_HIT when there is one */
enum remote_result remote_get_durations(struct remote *r, const char *env_id,
	struct strv *records);
/* replace the store's record (readwrite mode); REMOTE_HIT when written */
enum remote_result remote_put_durations(struct remote *r, const char *env_id,
	const struct strv *records);

#endif

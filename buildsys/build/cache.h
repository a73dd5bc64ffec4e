#ifndef KILN_CACHE_H
#define KILN_CACHE_H

#include <stdbool.h>

#include "base/util.h"

/* Content-hash build cache. A package's key is the SHA-256 of labelled
 * input hashes ("recipe", "patch:fix.patch", "source", "crossenv",
 * "hostdep:zlib", ...). Entries live in <cache>/builds/<name>/<key>/ and
 * are published by rename(2); <cache>/builds/<name>/last names the key of
 * the newest entry so a rebuild can say which input changed. */

/* the file in an entry that lists its artifacts for dist/ and their lockfile entries
 * (lock_pkgs_render; written by build/job.c, read by build/publish.c) */
#define CACHE_ENTRY_META "entry.json"

struct cache_key {
	struct strv parts; /* "label=hexhash", in insertion order */
	char hex[65];      /* set by cache_key_final */
};

void cache_key_add(struct cache_key *k, const char *label, const void *data, size_t len);
void cache_key_add_hash(struct cache_key *k, const char *label, const char *hexhash);
/* false (reported) when the file cannot be read */
bool cache_key_add_file(struct cache_key *k, const char *label, const char *path);
/* hash of every regular file and symlink under dir, by relative path */
bool cache_key_add_tree(struct cache_key *k, const char *label, const char *dir);
void cache_key_final(struct cache_key *k);
void cache_key_free(struct cache_key *k);

/* directory of a published entry, or NULL */
char *cache_lookup(const char *cache_dir, const char *name, const struct cache_key *k);
/* A fresh private directory to build an entry in. It is locked (flock(2)
 * on *lock_fd, close-on-exec) for as long as the caller keeps *lock_fd open,
 * which tells it from a stage that a killed kiln left behind. */
char *cache_stage(const char *cache_dir, const char *name, int *lock_fd);
/* remove every stage directory under <cache>/builds that nobody holds;
 * returns how many */
size_t cache_sweep(const char *cache_dir);
/* write the key's parts into stage, publish it atomically, update "last";
 * an entry published meanwhile by another process wins; returns its path */
char *cache_publish(const char *cache_dir, const char *name, const struct cache_key *k,
	const char *stage);
/* why k differs from the newest entry: a newly allocated sentence */
char *cache_explain(const char *cache_dir, const char *name, const struct cache_key *k);

#endif

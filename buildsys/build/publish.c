#include "build/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/lock.h"
#include "base/hash.h"
#include "base/log.h"
#include "build/cache.h"
#include "build/plan.h"

/* what dist/ holds, and what of it kiln copied there: "file\tsha\tsize\tmtime" lines */
struct dist {
	const char *dir;
	char *lockfile, *manifest_path;
	struct strv manifest_old, manifest_new;
	struct lock *lock;
};

static char *manifest_line(const char *name, const char *sha, const struct stat *st)
{
	return xasprintf("%s\t%s\t%lld\t%lld.%09ld", name, sha, (long long)st->st_size,
		(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

/* copy an artifact into dist/ unless the manifest knows it is there already */
static bool publish_file(struct dist *d, const char *from, const char *sha)
{
	const char *name = path_basename(from);
	char *to = path_join(d->dir, name);
	struct stat st;
	bool ok = true;
	if (stat(to, &st) == 0) {
		char *line = manifest_line(name, sha, &st);
		if (strv_has(&d->manifest_old, line)) {
			strv_push(&d->manifest_new, line);
			free(to);
			return true;
		}
		free(line);
	}
	size_t len;
	char *data = read_file(from, &len);
	char got[65];
	if (data)
		hash_sha256_hex(data, len, got);
	if (data && strcmp(got, sha) != 0) {
		char *entry = path_dirname(from);
		log_err("%s: sha256 %s, not %s as recorded: a damaged cache entry; remove %s",
			from, got, sha, entry);
		free(entry);
		ok = false;
	} else if (!data || !write_file_atomic(to, data, len)) {
		log_err("cannot copy %s to %s: %s", from, to, strerror(errno));
		ok = false;
	} else if (stat(to, &st) == 0) {
		strv_push(&d->manifest_new, manifest_line(name, sha, &st));
	}
	free(data);
	free(to);
	return ok;
}

/* one package's cache entry: its artifacts into dist/, their entries into the lock */
static bool publish_entry(struct dist *d, const struct plan_pkg *pkg)
{
	char *meta = path_join(pkg->entry, CACHE_ENTRY_META);
	char *text = read_file(meta, NULL);
	struct lock_pkgs entries = {0};
	bool ok = text && lock_pkgs_parse(text, &entries);
	if (!ok)
		log_err("%s: unreadable cache entry %s", pkg->r->norm_name, pkg->entry);
	for (size_t i = 0; ok && i < entries.n; i++) {
		char *art = path_join(pkg->entry, entries.v[i].file_name);
		ok = publish_file(d, art, entries.v[i].sha256);
		free(art);
		lock_set(d->lock, &entries.v[i]);
	}
	lock_pkgs_free(&entries);
	free(text);
	free(meta);
	return ok;
}

static void split_lines(char *text, struct strv *out)
{
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line)
			strv_add(out, line);
	}
}

/* dist/'s lockfile when its info is the runtime's (the same target), else the runtime's */
static bool open_dist(struct dist *d, const struct plan *p)
{
	d->lockfile = path_join(d->dir, "pyodide-lock.json");
	d->manifest_path = path_join(d->dir, ".kiln-manifest");
	char *old_text = read_file(d->manifest_path, NULL);
	split_lines(old_text, &d->manifest_old);
	free(old_text);
	char *runtime_lock = path_join(p->ce.pyodide_dir, "pyodide-lock.json");
	struct lock *rt = lock_load(runtime_lock);
	free(runtime_lock);
	if (!rt)
		return false;
	d->lock = path_exists(d->lockfile) ? lock_load(d->lockfile) : NULL;
	if (d->lock && !lock_info_equal(d->lock, rt)) {
		log_info("%s is for another runtime than Pyodide %s: starting from the runtime's",
			d->lockfile, p->ce.pyodide_version);
		lock_free(d->lock);
		d->lock = NULL;
	}
	if (!d->lock) {
		d->lock = rt;
		rt = NULL;
	}
	lock_free(rt);
	return true;
}

/* other artifacts kiln published earlier stay listed while they are there */
static void keep_earlier(struct dist *d)
{
	for (size_t i = 0; i < d->manifest_old.n; i++) {
		const char *old = d->manifest_old.v[i];
		size_t len = strcspn(old, "\t");
		bool kept = false;
		for (size_t k = 0; k < d->manifest_new.n && !kept; k++)
			kept = strncmp(d->manifest_new.v[k], old, len + 1) == 0;
		char *f = xstrndup(old, len);
		char *path = path_join(d->dir, f);
		if (!kept && path_exists(path))
			strv_add(&d->manifest_new, old);
		free(path);
		free(f);
	}
}

/* write path unless it holds text already */
static bool write_changed(const char *path, const char *text)
{
	char *current = read_file(path, NULL);
	bool ok = (current && strcmp(current, text) == 0) ||
		write_file_atomic(path, text, strlen(text));
	free(current);
	return ok;
}

static bool write_dist(struct dist *d)
{
	keep_earlier(d);
	char *rendered = lock_render(d->lock);
	bool ok = write_changed(d->lockfile, rendered);
	if (!ok)
		log_err("cannot write %s: %s", d->lockfile, strerror(errno));
	free(rendered);
	struct buf mb = {0};
	for (size_t i = 0; i < d->manifest_new.n; i++)
		buf_printf(&mb, "%s\n", d->manifest_new.v[i]);
	char *mt = buf_take(&mb);
	ok = ok && write_changed(d->manifest_path, mt);
	free(mt);
	return ok;
}

static void close_dist(struct dist *d)
{
	lock_free(d->lock);
	strv_free(&d->manifest_old);
	strv_free(&d->manifest_new);
	free(d->manifest_path);
	free(d->lockfile);
}

/* dist/.kiln.lock, held (flock) while dist/ changes; -1 (reported) */
static int lock_dist(const char *dist)
{
	if (!mkdir_p(dist, 0755)) {
		log_err("cannot create %s: %s", dist, strerror(errno));
		return -1;
	}
	char *lockpath = path_join(dist, ".kiln.lock");
	int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(lockpath);
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		log_err("cannot lock %s: %s", dist, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	return lfd;
}

bool publish_dist(const struct plan *p, const char *dist)
{
	int lfd = lock_dist(dist);
	if (lfd < 0)
		return false;
	struct dist d = {.dir = dist};
	bool ok = open_dist(&d, p);
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct plan_pkg *pkg = &p->pkgs[i];
		if (p->sel.sel[pkg->node] && pkg->entry && pkg->mine)
			ok = publish_entry(&d, pkg);
	}
	ok = ok && write_dist(&d);
	close_dist(&d);
	flock(lfd, LOCK_UN);
	close(lfd);
	return ok;
}

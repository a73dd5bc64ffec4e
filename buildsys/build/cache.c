#include "build/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/log.h"

void cache_key_add_hash(struct cache_key *k, const char *label, const char *hexhash)
{
	strv_push(&k->parts, xasprintf("%s=%s", label, hexhash));
}

void cache_key_add(struct cache_key *k, const char *label, const void *data, size_t len)
{
	char h[65];
	hash_sha256_hex(data, len, h);
	cache_key_add_hash(k, label, h);
}

bool cache_key_add_file(struct cache_key *k, const char *label, const char *path)
{
	char h[65];
	if (!hash_sha256_file(path, h)) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	cache_key_add_hash(k, label, h);
	return true;
}

struct tree_acc {
	const char *root;
	struct buf text;
	bool ok;
};

static bool tree_entry(const char *rel, const struct stat *st, void *p)
{
	struct tree_acc *t = p;
	if (S_ISLNK(st->st_mode)) {
		char *path = path_join(t->root, rel);
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		buf_printf(&t->text, "l %s %s\n", rel, target);
		free(path);
	} else if (S_ISREG(st->st_mode)) {
		char *path = path_join(t->root, rel);
		char h[65];
		bool ok = hash_sha256_file(path, h);
		if (!ok)
			log_err("cannot read %s: %s", path, strerror(errno));
		else
			buf_printf(&t->text, "f %s %o %s\n", rel, (unsigned)(st->st_mode & 0111), h);
		free(path);
		if (!ok) {
			t->ok = false;
			return false;
		}
	}
	return true;
}

bool cache_key_add_tree(struct cache_key *k, const char *label, const char *dir)
{
	struct tree_acc t = {.root = dir, .ok = true};
	bool ok = walk_tree(dir, tree_entry, &t);
	if (!ok && t.ok)
		log_err("cannot read %s: %s", dir, strerror(errno));
	if (ok)
		cache_key_add(k, label, t.text.s ? t.text.s : "", t.text.len);
	buf_free(&t.text);
	return ok;
}

void cache_key_final(struct cache_key *k)
{
	struct buf b = {0};
	for (size_t i = 0; i < k->parts.n; i++) {
		buf_puts(&b, k->parts.v[i]);
		buf_putc(&b, '\n');
	}
	hash_sha256_hex(b.s ? b.s : "", b.len, k->hex);
	buf_free(&b);
}

void cache_key_free(struct cache_key *k)
{
	strv_free(&k->parts);
}

static char *entry_dir(const char *cache_dir, const char *name, const char *key)
{
	return xasprintf("%s/builds/%s/%s", cache_dir, name, key);
}

char *cache_lookup(const char *cache_dir, const char *name, const struct cache_key *k)
{
	char *d = entry_dir(cache_dir, name, k->hex);
	char *stamp = path_join(d, "KEY");
	bool ok = path_is_file(stamp);
	free(stamp);
	if (ok)
		return d;
	free(d);
	return NULL;
}

/* Stages are created under a shared lock of <cache>/builds/.stages.lock and
 * swept under an exclusive one, so that a sweep never sees a stage between its
 * mkdtemp and its flock. */
static int stages_lock(const char *cache_dir, int how)
{
	char *builds = xasprintf("%s/builds", cache_dir);
	char *path = xasprintf("%s/.stages.lock", builds);
	int fd = -1;
	if (!mkdir_p(builds, 0755))
		log_err("cannot create %s: %s", builds, strerror(errno));
	else if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		log_err("cannot open %s: %s", path, strerror(errno));
	else if (flock(fd, how) != 0) {
		log_err("cannot lock %s: %s", path, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(builds);
	free(path);
	return fd;
}

char *cache_stage(const char *cache_dir, const char *name, int *lock_fd)
{
	*lock_fd = -1;
	char *parent = xasprintf("%s/builds/%s", cache_dir, name);
	if (!mkdir_p(parent, 0755)) {
		log_err("cannot create %s: %s", parent, strerror(errno));
		free(parent);
		return NULL;
	}
	char *tmpl = xasprintf("%s/.stage-XXXXXX", parent);
	free(parent);
	int guard = stages_lock(cache_dir, LOCK_SH);
	if (guard < 0) {
		free(tmpl);
		return NULL;
	}
	int fd = -1;
	if (!mkdtemp(tmpl)) {
		log_err("cannot create a directory in the cache: %s", strerror(errno));
	} else if ((fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		   flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_err("cannot lock %s: %s", tmpl, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		rmdir(tmpl);
	}
	close(guard);
	if (fd < 0) {
		free(tmpl);
		return NULL;
	}
	*lock_fd = fd;
	return tmpl;
}

size_t cache_sweep(const char *cache_dir)
{
	char *builds = xasprintf("%s/builds", cache_dir);
	size_t removed = 0;
	DIR *top = opendir(builds);
	if (!top) {
		free(builds);
		return 0; /* no cache yet */
	}
	int guard = stages_lock(cache_dir, LOCK_EX);
	struct dirent *e;
	while (guard >= 0 && (e = readdir(top))) {
		if (e->d_name[0] == '.')
			continue;
		char *pkg = path_join(builds, e->d_name);
		DIR *dp = opendir(pkg);
		struct dirent *s;
		while (dp && (s = readdir(dp))) {
			if (strncmp(s->d_name, ".stage-", 7) != 0)
				continue;
			char *stage = path_join(pkg, s->d_name);
			int fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			/* a stage its builder still holds stays */
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
				if (remove_tree(stage))
					removed++;
				else
					log_warn("cannot remove %s: %s", stage, strerror(errno));
			}
			if (fd >= 0)
				close(fd);
			free(stage);
		}
		if (dp)
			closedir(dp);
		free(pkg);
	}
	if (guard >= 0)
		close(guard);
	closedir(top);
	free(builds);
	return removed;
}

static char *parts_text(const struct cache_key *k)
{
	struct buf b = {0};
	buf_printf(&b, "%s\n", k->hex);
	for (size_t i = 0; i < k->parts.n; i++)
		buf_printf(&b, "%s\n", k->parts.v[i]);
	return buf_take(&b);
}

char *cache_publish(const char *cache_dir, const char *name, const struct cache_key *k,
	const char *stage)
{
	char *text = parts_text(k);
	char *stamp = path_join(stage, "KEY");
	char *dest = entry_dir(cache_dir, name, k->hex);
	char *last = xasprintf("%s/builds/%s/last", cache_dir, name);
	bool ok = write_file_atomic(stamp, text, strlen(text));
	if (!ok) {
		log_err("cannot write %s: %s", stamp, strerror(errno));
		goto out;
	}
	if (rename(stage, dest) != 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			log_err("cannot publish %s: %s", dest, strerror(errno));
			ok = false;
			goto out;
		}
		/* another process published the same key first: keep theirs */
		if (!remove_tree(stage))
			log_warn("cannot remove %s: %s", stage, strerror(errno));
	}
	if (!write_file_atomic(last, text, strlen(text)))
		log_warn("cannot write %s: %s", last, strerror(errno));
out:
	free(text);
	free(stamp);
	free(last);
	if (!ok) {
		free(dest);
		return NULL;
	}
	return dest;
}

char *cache_explain(const char *cache_dir, const char *name, const struct cache_key *k)
{
	char *last = xasprintf("%s/builds/%s/last", cache_dir, name);
	char *text = read_file(last, NULL);
	free(last);
	if (!text)
		return xstrdup("never built");
	struct strv old = {0};
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			strv_add(&old, line);
			break;
		}
		if (nl > line)
			strv_push(&old, xstrndup(line, (size_t)(nl - line)));
	}
	free(text);
	struct buf b = {0};
	size_t changes = 0;
	for (size_t i = 0; i < k->parts.n; i++) {
		const char *p = k->parts.v[i];
		size_t lab = (size_t)(strchr(p, '=') - p);
		bool found = false, same = false;
		for (size_t j = 1; j < old.n; j++)
			if (strncmp(old.v[j], p, lab + 1) == 0) {
				found = true;
				same = strcmp(old.v[j], p) == 0;
				break;
			}
		if (!found || !same)
			buf_printf(&b, "%s%.*s %s", changes++ ? ", " : "", (int)lab, p,
				found ? "changed" : "added");
	}
	for (size_t j = 1; j < old.n; j++) {
		size_t lab = (size_t)(strchr(old.v[j], '=') ? strchr(old.v[j], '=') - old.v[j] : 0);
		bool found = false;
		for (size_t i = 0; i < k->parts.n; i++)
			if (strncmp(old.v[j], k->parts.v[i], lab + 1) == 0)
				found = true;
		if (!found && lab)
			buf_printf(&b, "%s%.*s removed", changes++ ? ", " : "", (int)lab, old.v[j]);
	}
	bool was_same = old.n && strcmp(old.v[0], k->hex) == 0;
	strv_free(&old);
	if (!changes)
		buf_puts(&b, was_same ? "up to date" : "the last build differs only in unrecorded inputs");
	return buf_take(&b);
}

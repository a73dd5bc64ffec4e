#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void cache_key_add_hash(struct cache_key *k, const char *label, const char *hexhash)
{
	strv_push(&k->parts, xasprintf("%s=%s", label, hexhash));
}

void cache_key_add(struct cache_key *k, const char *label, const void *data, size_t len)
{
	char h[65];
	sha256_hex(data, len, h);
	cache_key_add_hash(k, label, h);
}

bool cache_key_add_file(struct cache_key *k, const char *label, const char *path)
{
	char h[65];
	if (!sha256_file(path, h)) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	cache_key_add_hash(k, label, h);
	return true;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool walk(struct buf *acc, const char *root, const char *rel)
{
	char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d) {
		log_err("cannot read %s: %s", dir, strerror(errno));
		free(dir);
		return false;
	}
	struct strv names = {0};
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			strv_add(&names, e->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmpstr);
	bool ok = true;
	for (size_t i = 0; ok && i < names.n; i++) {
		char *r = rel[0] ? path_join(rel, names.v[i]) : xstrdup(names.v[i]);
		char *p = path_join(root, r);
		struct stat st;
		if (lstat(p, &st) != 0) {
			log_err("cannot read %s: %s", p, strerror(errno));
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			ok = walk(acc, root, r);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(p, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			buf_printf(acc, "l %s %s\n", r, target);
		} else if (S_ISREG(st.st_mode)) {
			char h[65];
			if (!sha256_file(p, h)) {
				log_err("cannot read %s: %s", p, strerror(errno));
				ok = false;
			} else {
				buf_printf(acc, "f %s %o %s\n", r, (unsigned)(st.st_mode & 0111), h);
			}
		}
		free(p);
		free(r);
	}
	strv_free(&names);
	free(dir);
	return ok;
}

bool cache_key_add_tree(struct cache_key *k, const char *label, const char *dir)
{
	struct buf acc = {0};
	bool ok = walk(&acc, dir, "");
	if (ok)
		cache_key_add(k, label, acc.s ? acc.s : "", acc.len);
	buf_free(&acc);
	return ok;
}

void cache_key_final(struct cache_key *k)
{
	struct buf b = {0};
	for (size_t i = 0; i < k->parts.n; i++) {
		buf_puts(&b, k->parts.v[i]);
		buf_putc(&b, '\n');
	}
	sha256_hex(b.s ? b.s : "", b.len, k->hex);
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

char *cache_stage(const char *cache_dir, const char *name)
{
	char *parent = xasprintf("%s/builds/%s", cache_dir, name);
	if (!mkdir_p(parent, 0755)) {
		log_err("cannot create %s: %s", parent, strerror(errno));
		free(parent);
		return NULL;
	}
	char *tmpl = xasprintf("%s/.stage-XXXXXX", parent);
	free(parent);
	if (!mkdtemp(tmpl)) {
		log_err("cannot create a directory in the cache: %s", strerror(errno));
		free(tmpl);
		return NULL;
	}
	return tmpl;
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

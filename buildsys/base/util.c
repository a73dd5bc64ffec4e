#include "base/util.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static KILN_NORETURN void oom(void)
{
	static const char msg[] = "kiln: fatal: out of memory\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	exit(1);
}

void xoom(void)
{
	oom();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap;
	if (need <= c)
		return p;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			oom();
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		oom();
	p = xrealloc(p, c * size);
	*cap = c;
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	bool ok = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!ok)
		oom();
	return buf_take(&b);
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

bool buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return false;
	b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return true;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (!ok)
		oom();
}

char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void strv_push(struct strv *sv, char *s)
{
	sv->v = xgrow(sv->v, &sv->cap, sv->n + 2, sizeof(*sv->v));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strv_add(struct strv *sv, const char *s)
{
	strv_push(sv, xstrdup(s));
}

bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void array_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

const char *str_last_lines(const char *text, size_t len, size_t n)
{
	const char *start = text + len;
	size_t seen = 0;
	while (start > text) {
		if (start[-1] == '\n' && start != text + len && ++seen > n)
			break;
		start--;
	}
	return start;
}

size_t str_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[m];
}

const char *str_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;
	size_t len = strlen(word);
	size_t limit = len < 4 ? 1 : len < 8 ? 2 : 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = str_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

char *path_join(const char *a, const char *b)
{
	if (b[0] == '/' || a[0] == '\0')
		return xstrdup(b);
	/* called for every recipe file; cheaper than a formatted print */
	size_t n = strlen(a), m = strlen(b);
	size_t sep = a[n - 1] != '/';
	char *p = xmalloc(n + sep + m + 1);
	memcpy(p, a, n);
	p[n] = '/';
	memcpy(p + n + sep, b, m + 1);
	return p;
}

bool path_is_plain_relative(const char *p)
{
	for (const char *c = p;;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if ((n == 0 && (end || c == p)) || (n == 1 && c[0] == '.') ||
			(n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!end || end[1] == '\0')
			return true;
		c = end + 1;
	}
}

char *path_absolute(const char *p)
{
	struct buf b = {0};
	if (p[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd && errno == ENOMEM)
			xoom();
		buf_puts(&b, cwd ? cwd : ".");
		free(cwd);
	}
	/* one '/' between components; "." components and a trailing '/' dropped */
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		if (n && !(n == 1 && s[0] == '.')) {
			if (!b.len || b.s[b.len - 1] != '/')
				buf_putc(&b, '/');
			buf_add(&b, s, n);
		}
		s += n;
		s += strspn(s, "/");
	}
	if (!b.len)
		buf_putc(&b, '/');
	return buf_take(&b);
}

char *path_dirname(const char *p)
{
	const char *s = strrchr(p, '/');
	if (!s)
		return xstrdup(".");
	if (s == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(s - p));
}

const char *path_basename(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

bool path_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

bool path_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

bool mkdir_p(const char *p, unsigned mode)
{
	char *tmp = xstrdup(p);
	bool ok = true;
	for (char *s = tmp + 1; ok; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
			ok = false;
		else if (errno == EEXIST && !path_is_dir(tmp)) {
			errno = ENOTDIR;
			ok = false;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(tmp);
	return ok;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool walk_dir(const char *root, const char *rel,
	bool (*fn)(const char *, const struct stat *, void *), void *ctx)
{
	char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d) {
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
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	bool ok = true;
	for (size_t i = 0; ok && i < names.n; i++) {
		char *r = rel[0] ? path_join(rel, names.v[i]) : xstrdup(names.v[i]);
		char *p = path_join(root, r);
		struct stat st;
		if (lstat(p, &st) != 0)
			ok = false;
		else
			ok = fn(r, &st, ctx) && (!S_ISDIR(st.st_mode) || walk_dir(root, r, fn, ctx));
		free(p);
		free(r);
	}
	strv_free(&names);
	free(dir);
	return ok;
}

bool walk_tree(const char *root, bool (*fn)(const char *rel, const struct stat *st, void *ctx),
	void *ctx)
{
	return walk_dir(root, "", fn, ctx);
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) == 0 || errno == ENOENT ? 0 : -1;
}

bool remove_tree(const char *p)
{
	if (!path_exists(p))
		return true;
	return nftw(p, remove_one, 32, FTW_DEPTH | FTW_PHYS) == 0;
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct buf b = {0};
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf_free(&b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	if (len)
		*len = b.len;
	return buf_take(&b);
}

bool write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return false;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto err;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto err;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto err;
	free(tmp);
	return true;
err:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = e;
	return false;
}

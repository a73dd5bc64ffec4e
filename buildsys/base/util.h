#ifndef KILN_UTIL_H
#define KILN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define KILN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KILN_NORETURN __attribute__((noreturn))
#else
#define KILN_PRINTF(a, b)
#define KILN_NORETURN
#endif

/* allocation: out of memory is the one fatal error; it exits with status 1 */
void *xmalloc(size_t n);
/* the same fatal error for a library's failed allocation */
KILN_NORETURN void xoom(void);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* grow an array of *cap elements of size to hold at least need; overflow-checked */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) KILN_PRINTF(1, 2);

/* growable string */
struct buf {
	char *s;
	size_t len, cap;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) KILN_PRINTF(2, 3);
/* the same with a va_list; false (b unchanged) when vsnprintf fails */
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap) KILN_PRINTF(2, 0);
/* hand the string to the caller (never NULL) and reset the buffer */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* growable list of owned strings */
struct strv {
	char **v;
	size_t n, cap;
};

void strv_push(struct strv *sv, char *s);
void strv_add(struct strv *sv, const char *s);
bool strv_has(const struct strv *sv, const char *s);
void strv_free(struct strv *sv);

/* qsort(3) that also takes an empty array whose base is NULL */
void array_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* where the last n lines of text (len bytes) start; a last line without a
 * newline counts */
const char *str_last_lines(const char *text, size_t len, size_t n);
/* Damerau-free Levenshtein distance, for did-you-mean suggestions */
size_t str_distance(const char *a, const char *b);
/* closest candidate within a reasonable distance, or NULL */
const char *str_suggest(const char *word, const char *const *cands, size_t n);

char *path_join(const char *a, const char *b);
/* p made absolute against the current directory, without "." components, repeated or
 * trailing slashes (".." and symlinks are kept: they are not resolved) */
char *path_absolute(const char *p);
/* p is relative and has no empty, "." or ".." component (one trailing '/' allowed) */
bool path_is_plain_relative(const char *p);
/* directory part of a path (".") if none, newly allocated */
char *path_dirname(const char *p);
const char *path_basename(const char *p);
bool path_is_dir(const char *p);
bool path_is_file(const char *p);
bool path_exists(const char *p);
/* mkdir -p; true on success, errno set on failure */
bool mkdir_p(const char *p, unsigned mode);

struct stat;
/* visit every entry under root in sorted order, directories before their
 * contents, without following symlinks; rel is relative to root. fn returns
 * false to stop (the walk then returns false); unreadable entries are
 * reported and stop the walk too */
bool walk_tree(const char *root, bool (*fn)(const char *rel, const struct stat *st, void *ctx),
	void *ctx);

/* rm -rf; true when p is gone afterwards */
bool remove_tree(const char *p);

/* whole file into memory, NUL-terminated; NULL with errno on failure */
char *read_file(const char *path, size_t *len);
/* write via a temporary file in the same directory and rename(2) */
bool write_file_atomic(const char *path, const void *data, size_t len);


#endif

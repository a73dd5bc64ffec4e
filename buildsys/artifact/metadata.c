#include "artifact/metadata.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* s[0..n) without the white space around it, appended to b */
static void put_trimmed(struct buf *b, const char *s, size_t n)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	buf_add(b, s, n);
}

/* the field in progress ends: its value without the white space (and empty
 * continuation lines) around it */
static void end_field(struct metadata *m, const char *key, size_t klen, struct buf *value)
{
	struct buf trimmed = {0};
	put_trimmed(&trimmed, value->s ? value->s : "", value->len);
	value->len = 0;
	m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
	m->v[m->n++] = (struct metadata_field){xstrndup(key, klen), buf_take(&trimmed)};
}

/* the length of the line at p without its "\n" or "\r\n"; *next: the line after it */
static size_t line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((nl ? nl : end) - p);
	*next = nl ? nl + 1 : end;
	return n && p[n - 1] == '\r' ? n - 1 : n;
}

void metadata_parse(struct metadata *m, const char *text, size_t len)
{
	const char *end = text + strnlen(text, len), *key = NULL;
	size_t klen = 0;
	struct buf value = {0};
	for (const char *p = text, *next; p < end; p = next) {
		size_t n = line_len(p, end, &next);
		if (n == 0) {
			m->body = xstrndup(next, (size_t)(end - next));
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (key) {
				buf_putc(&value, '\n');
				put_trimmed(&value, p, n);
			}
			continue;
		}
		if (key)
			end_field(m, key, klen, &value);
		const char *colon = memchr(p, ':', n);
		key = colon ? p : NULL;
		if (colon) {
			klen = (size_t)(colon - p);
			put_trimmed(&value, colon + 1, n - klen - 1);
		}
	}
	if (key)
		end_field(m, key, klen, &value);
	buf_free(&value);
}

const char *metadata_get(const struct metadata *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcasecmp(m->v[i].key, key) == 0)
			return m->v[i].value;
	return NULL;
}

void metadata_get_all(const struct metadata *m, const char *key, struct strv *out)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcasecmp(m->v[i].key, key) == 0)
			strv_add(out, m->v[i].value);
}

void metadata_free(struct metadata *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	free(m->body);
	*m = (struct metadata){0};
}

#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define CHUNK_SIZE (8u * 1024u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t grow = c ? (c->cap * 2 < CHUNK_SIZE ? c->cap * 2 : CHUNK_SIZE)
				: a->first ? a->first : 1024;
		size_t cap = n > CHUNK_SIZE / 2 ? n : n > grow ? CHUNK_SIZE : grow;
		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		if (n > CHUNK_SIZE / 2 && a->head) {
			/* keep filling the current chunk after a big block */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}

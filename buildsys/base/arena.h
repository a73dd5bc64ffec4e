#ifndef KILN_ARENA_H
#define KILN_ARENA_H

#include <stddef.h>

/* A bump allocator: many small blocks freed together. Chunks start at 1 KiB and
 * double up to 8 KiB, or start at `first` when it is set. A zeroed struct is empty. */
struct arena {
	struct arena_chunk *head;
	size_t first;
};

/* n bytes aligned for any type (out of memory is fatal) */
void *arena_alloc(struct arena *a, size_t n);
/* a NUL-terminated copy of the n bytes at s */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* free every block; the arena is empty again */
void arena_free(struct arena *a);

#endif

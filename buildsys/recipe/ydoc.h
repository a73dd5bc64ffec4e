#ifndef KILN_YDOC_H
#define KILN_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "recipe/diag.h"

/* A YAML document as a tree of located nodes, built from libyaml's event
 * stream with hard limits: no aliases, bounded nesting depth and input size,
 * duplicate mapping keys reported. Plain scalars are resolved the way PyYAML's
 * safe loader resolves them (YAML 1.1 core types). Everything lives in one
 * arena freed at once. */

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

/* the resolved type of a scalar */
enum yscalar {
	YSCALAR_STR,
	YSCALAR_NULL,
	YSCALAR_BOOL,
	YSCALAR_INT,
	YSCALAR_FLOAT,
	YSCALAR_TIMESTAMP,
};

struct ynode {
	enum ynode_kind kind;
	enum yscalar type;  /* scalars only */
	bool bval;          /* YSCALAR_BOOL */
	unsigned line, col; /* 1-based */
	const char *s;      /* scalar text, NUL-terminated */
	size_t len;
	/* sequence items, or mapping entries as key, value, key, value... */
	struct ynode **v;
	size_t n; /* items, or pairs for a mapping */
};

#define YDOC_MAX_SIZE (1u << 20)
#define YDOC_MAX_DEPTH 64

/* Parse buf (len bytes) of file into a tree allocated in a. Problems are
 * reported as located diagnostics; returns false if there is no usable tree.
 * An empty document gives true with *root NULL. */
bool ydoc_parse(struct arena *a, const char *file, const char *buf, size_t len,
	struct diags *d, struct ynode **root);

/* the type PyYAML's safe loader gives s written as a plain scalar */
enum yscalar ydoc_resolve(const char *s);

/* the value for key in a mapping, or NULL */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* "a string", "a list", "a mapping", "a boolean", "null", ... for messages */
const char *ynode_describe(const struct ynode *n);

#endif

#ifndef KILN_METADATA_H
#define KILN_METADATA_H

#include <stddef.h>

#include "base/util.h"

/* Core metadata (a wheel's METADATA, an sdist's PKG-INFO) and a wheel's WHEEL file:
 * RFC 822 style header fields, then, after the first empty line, a body (the
 * description). A field may repeat (Requires-Dist, Tag) and may be folded over
 * continuation lines, which start with a space or a tab. */

struct metadata_field {
	char *key;   /* as written; keys are compared without case */
	char *value; /* without the white space around it; each continuation line follows
	              * after a '\n', without its indentation */
};

struct metadata {
	struct metadata_field *v; /* in the order of the file */
	size_t n, cap;
	char *body;               /* what follows the empty line; NULL when there is none */
};

/* parse the len bytes at text (up to a NUL, if any) into m, a zeroed struct. Lines end
 * in "\n" or "\r\n"; a line that is neither a field nor a continuation line is skipped,
 * and so are continuation lines after it. */
void metadata_parse(struct metadata *m, const char *text, size_t len);
/* the value of the first field named key, or NULL */
const char *metadata_get(const struct metadata *m, const char *key);
/* append the values of every field named key, in order, to out */
void metadata_get_all(const struct metadata *m, const char *key, struct strv *out);
void metadata_free(struct metadata *m);

#endif

#ifndef KILN_ARGV_H
#define KILN_ARGV_H

#include <stdbool.h>

#include "base/util.h"

/* Words and options of command lines: splitting and quoting them as a shell does, and
 * the compiler-driver option rules the wrapper and the compat layer share. */

/* split a command line into words (single/double quotes, backslash escapes) */
void argv_split(const char *s, struct strv *out);
/* append a word to b, shell-quoted when needed */
void argv_quote(struct buf *b, const char *word);
/* append the words of cmd to b, shell-quoted and separated by spaces */
void argv_join(struct buf *b, const struct strv *cmd);

/* whether s is one of the strings of a NULL-terminated list */
bool argv_in_list(const char *s, const char *const *list);
/* whether s starts with one of the strings of a NULL-terminated list */
bool argv_has_prefix_in(const char *s, const char *const *list);

/* whether a compiler-driver option takes the next argument as its value (-o, -I, -x...) */
bool argv_takes_value(const char *opt);
/* the output a compiler-driver command line names (-o FILE or -oFILE, the last one wins),
 * NULL when none */
const char *argv_output(const struct strv *args);

#endif

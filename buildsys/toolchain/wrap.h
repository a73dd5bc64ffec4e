#ifndef KILN_WRAP_H
#define KILN_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "toolchain/crossenv.h"

/* The compiler wrapper: kiln started as cc, c++, ld, ar, cmake, meson… through the bin/
 * of a cross environment rewrites the command line for Emscripten and execs it. */

/* whether a program name (basename of argv[0]) is one the wrapper answers to */
bool wrap_is_tool(const char *name);
/* the wrapper's main(): argv[0] names the tool */
int wrap_main(int argc, char **argv);

/* The clang command that emcc would run for a compile-only command line (args without
 * the program name, after the wrapper's rewriting), run directly. False when the command
 * is not one the fast path reproduces exactly (then emcc must run). */
bool wrap_fast_compile(const struct crossenv *ce, bool cxx, char *const *args, size_t n,
	struct strv *out);

/* whether a compiler-driver option takes the next argument as its value (-o, -I, -x...) */
bool wrap_takes_value(const char *opt);
/* split a command line into words (single/double quotes, backslash escapes) */
void wrap_split(const char *s, struct strv *out);
/* append a word to b, shell-quoted when needed */
void wrap_quote(struct buf *b, const char *word);

#endif

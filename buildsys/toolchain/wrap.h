#ifndef KILN_WRAP_H
#define KILN_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "toolchain/compat_link.h"
#include "toolchain/crossenv.h"

/* The compiler wrapper's rules: kiln started as cc, c++, ld, ar, cmake, meson… through
 * the bin/ of a cross environment rewrites the command line for Emscripten
 * (docs/wrapper.md); cmd/tool_wrap.c runs the result. */

/* One call of the wrapper. */
struct wrap {
	const char *tool;          /* the name kiln was started as */
	struct crossenv ce;
	bool dry;                  /* KILN_WRAP_DRY_RUN: show the final command, do not run it */
	bool em;                   /* started under an Emscripten name (emcc, em++): as
	                            * Emscripten's own, no added -Werror, and a shared link
	                            * that names its -sSIDE_MODULE keeps it */
	struct strv cmd;           /* the command to run in the end */
	struct buf said;           /* what the tool writes to standard output (an answer, the
	                            * commands a dry run ran on the way) */
	struct compat_link compat; /* the ABI compat layer's part of a link */
};

/* whether a program name (basename of argv[0]) is one the wrapper answers to */
bool wrap_is_tool(const char *name);
/* Start a call of the wrapper as argv0: its environment is $KILN_CROSSENV, else the one
 * whose bin/ holds argv0. False (with a message when the tool is known) when there is
 * none; w is safe to wrap_free() either way. */
bool wrap_open(struct wrap *w, const char *argv0);
/* Apply the tool's rules to argv (argv[0] names the tool). Returns an exit status when
 * the call is answered, refused or already run; -1 when w->cmd is to be run (its first
 * word is looked up in PATH when it has no '/'). */
int wrap_run(struct wrap *w, int argc, char **argv);
/* append the line a dry run shows for cmd to b: the link LLVM settings of the compat
 * layer when it makes them, then the shell-quoted words */
void wrap_show(const struct wrap *w, const struct strv *cmd, struct buf *b);
void wrap_free(struct wrap *w);

/* The clang command that emcc would run for a compile-only command line (args without
 * the program name, after the wrapper's rewriting), run directly. False when the command
 * is not one the fast path reproduces exactly (then emcc must run). */
bool wrap_fast_compile(const struct crossenv *ce, bool cxx, char *const *args, size_t n,
	struct strv *out);

#endif

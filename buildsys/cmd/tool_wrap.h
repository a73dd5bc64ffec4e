#ifndef KILN_TOOL_WRAP_H
#define KILN_TOOL_WRAP_H

/* kiln started through a cross environment's bin/ as cc, c++, ld, ar, cmake, meson…:
 * the compiler wrapper (toolchain/wrap.h has its rules, docs/wrapper.md). */

/* the wrapper's main(): argv[0] names the tool; rewrites the command line and execs it
 * (shows it in a dry run); returns an exit status when it does not exec */
int tool_wrap_main(int argc, char **argv);

#endif

#ifndef KILN_COMPAT_H
#define KILN_COMPAT_H

#include <stdbool.h>

#include "base/util.h"
#include "toolchain/crossenv.h"

/* The ABI compat layer of a cross environment whose toolchain differs from the runtime's
 * (docs/abi.md): the time64 shims (lib/libkiln-time64.a, when sizeof(time_t) differs)
 * and a private libc++ (lib/private/, when the emscripten versions differ), both made at
 * setup and added by the wrapper to every side-module link. */

/* Add what the layer's output depends on (the shim source, the link LLVM) to the
 * environment's id material. */
bool compat_id(struct buf *m);
/* the files and settings compat_id depends on, for a cheap check that they did not change */
void compat_inputs(struct strv *files, struct buf *settings);
/* Build the layer into the environment being set up in tmp (to be renamed to final) and
 * record it in ce (time64_lib, libcxx_private, link_llvm_root). runtime_time_t is the
 * target's SIZEOF_TIME_T. */
bool compat_setup(struct crossenv *ce, const char *tmp, const char *final, int runtime_time_t);

/* What one side-module link gets. */
struct compat_link {
	struct strv args;  /* the link arguments, C++ inputs replaced by copies with libc++ hidden */
	struct strv extra; /* arguments to append after everything else */
	bool llvm;         /* link with the environment's link LLVM (EM_LLVM_ROOT...) */
	char *tmpdir;      /* holds the copies; removed by compat_link_free */
	unsigned ncopies;
};

/* Prepare a link of args (the wrapper's rewritten arguments); cxx when the driver is em++
 * (C++ is also recognised from libc++ symbols in the inputs). */
bool compat_link_prepare(const struct crossenv *ce, const struct strv *args, bool cxx,
	struct compat_link *cl);
/* Set the environment variables the link needs (in this process, before exec). */
void compat_link_env(const struct crossenv *ce, const struct compat_link *cl);
void compat_link_free(struct compat_link *cl);

#endif

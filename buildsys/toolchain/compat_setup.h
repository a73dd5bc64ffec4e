#ifndef KILN_COMPAT_SETUP_H
#define KILN_COMPAT_SETUP_H

#include <stdbool.h>

#include "base/util.h"
#include "toolchain/crossenv.h"

/* Making the ABI compat layer of a cross environment whose toolchain differs from the
 * runtime's (docs/abi.md): the time64 shims (lib/libkiln-time64.a, when sizeof(time_t)
 * differs) and a private libc++ (lib/private/, when the emscripten versions differ), both
 * made at setup; compat_link.h adds them to the links. */

/* Add what the layer's output depends on (the shim source, the link LLVM) to the
 * environment's id material. */
bool compat_id(struct buf *m);
/* the files and settings compat_id depends on, for a cheap check that they did not change */
void compat_inputs(struct strv *files, struct buf *settings);
/* Build the layer into the environment being set up in tmp (to be renamed to final) and
 * record it in ce (time64_lib, libcxx_private, link_llvm_root). runtime_time_t is the
 * target's SIZEOF_TIME_T. */
bool compat_setup(struct crossenv *ce, const char *tmp, const char *final, int runtime_time_t);

#endif

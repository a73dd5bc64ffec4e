#ifndef KILN_COMPAT_LINK_H
#define KILN_COMPAT_LINK_H

#include <stdbool.h>

#include "base/util.h"
#include "toolchain/crossenv.h"

/* The ABI compat layer (docs/abi.md) in a side-module link: the wrapper adds the time64
 * shims and the private libc++ that compat_setup.h made for the environment, and links
 * C++ modules with the environment's link LLVM. */

/* the object of lib/private that a C++ link without exceptions adds */
#define COMPAT_NOEXCEPT_OBJ "kiln-libcxx-noexcept.o"
/* the archives of lib/private for ABIs with wasm exceptions (the toolchain's -except ones) */
#define COMPAT_LIBCXX_EH "libc++-except.a"
#define COMPAT_LIBCXXABI_EH "libc++abi-except.a"
#define COMPAT_LIBUNWIND_EH "libunwind-except.a"

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

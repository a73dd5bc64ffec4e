#ifndef KILN_BACKEND_H
#define KILN_BACKEND_H

#include <stdbool.h>

#include "base/util.h"

struct buildenv_cross;

/* The PEP 517 build of a source tree with the host Python's `build` frontend.
 * With a cache directory, the build requirements the host lacks are installed
 * from the package index into a cached build environment (build/buildenv.h)
 * put first on PYTHONPATH; without one, they must all come from the host. */

struct backend_opts {
	const char *python;         /* host interpreter */
	const char *srcdir;
	const char *outdir;         /* where the wheel is written */
	const char *backend_flags;  /* recipe build.backend-flags: "k=v k2=v2" */
	const char *cache_dir;      /* the kiln cache (for buildenv/); NULL: host packages only */
	const struct strv *constraints; /* pip constraints of the build environment; may be NULL */
	const struct buildenv_cross *cross; /* cross-build packages (build/buildenv.h); may be NULL */
	size_t n_cross;
	char *const *env;           /* NULL: kiln's */
	int log_fd;
	double timeout;
};

/* run the build; on failure reports the cause, and for missing build
 * requirements each one with the Debian package that provides it. The constraints
 * are checked first against what the host Python has installed (the packages the
 * build uses): a version outside one fails the build, naming it. */
bool backend_build_wheel(const struct backend_opts *o);

/* the Debian package that provides a Python requirement such as "cython>=0.29" */
char *backend_debian_package(const char *requirement);

#endif

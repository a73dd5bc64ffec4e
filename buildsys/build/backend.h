#ifndef KILN_BACKEND_H
#define KILN_BACKEND_H

#include <stdbool.h>

#include "base/util.h"

/* The PEP 517 build of a source tree with the host Python's `build`
 * frontend, without isolation (build requirements come from the host). */

struct backend_opts {
	const char *python;         /* host interpreter */
	const char *srcdir;
	const char *outdir;         /* where the wheel is written */
	const char *backend_flags;  /* recipe build.backend-flags: "k=v k2=v2" */
	const struct strv *constraints; /* recipe requirements.constraint (may be NULL) */
	char *const *env;
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

#ifndef KILN_BUILDENV_H
#define KILN_BUILDENV_H

#include <stdbool.h>

#include "base/util.h"

/* The isolated build environment of a PEP 517 build: the build requirements of a
 * source tree (build-system.requires and the backend's get_requires_for_build_wheel)
 * that the host Python's packages do not satisfy are installed from the package index
 * with the host's pip (its configuration honoured: pip.conf, PIP_*), wheels only, into
 * <cache>/buildenv/<id>/, where id is the SHA-256 of the interpreter, the requirements
 * the constraints and the cross-build packages. A directory is made once (installed beside, then renamed into
 * place) and reused by every build that needs the same requirements. */

/* a target package other builds compile against (recipe build.cross-build-env): its
 * host build at the same version is installed from the index, then the listed files of
 * the target wheel (headers, static libraries: build.cross-build-files) replace the host's */
struct buildenv_cross {
	const char *name;          /* PEP 503 name: requirements on it are not installed */
	const char *version;
	const char *wheel;         /* the target wheel */
	const struct strv *files;  /* paths inside the wheel */
};

struct buildenv_opts {
	const char *python;              /* host interpreter */
	const char *srcdir;
	const char *cache_dir;           /* the kiln cache */
	const struct strv *constraints;  /* pip constraints (requirements.constraint); may be NULL */
	const struct buildenv_cross *cross; /* may be NULL */
	size_t n_cross;
	char *const *env;                /* the build's environment (the backend's hooks run in it) */
	int log_fd;                      /* pip's and the hooks' output; -1: kiln's stderr */
	double timeout;
};

/* make or reuse the environment; *dir gets its directory, or NULL when the host satisfies
 * every requirement. False when a requirement cannot be had (reported with pip's reason) */
bool buildenv_prepare(const struct buildenv_opts *o, char **dir);

/* put an environment's directory first on PYTHONPATH and its bin/ on PATH, after the
 * cross environment's bin/ (whose wrappers must stay first) */
void buildenv_apply(const char *dir, struct strv *env);

#endif

#ifndef KILN_BUILDENV_H
#define KILN_BUILDENV_H

#include <stdbool.h>

#include "base/util.h"

/* The isolated build environment of a PEP 517 build: the build requirements of a
 * source tree (build-system.requires and the backend's get_requires_for_build_wheel)
 * that the host Python's packages do not satisfy are installed from the package index
 * with the host's pip (its configuration honoured: pip.conf, PIP_*), wheels only, into
 * <cache>/buildenv/<id>/, where id is the SHA-256 of the interpreter, the requirements
 * and the constraints. A directory is made once (installed beside, then renamed into
 * place) and reused by every build that needs the same requirements. */

struct buildenv_opts {
	const char *python;              /* host interpreter */
	const char *srcdir;
	const char *cache_dir;           /* the kiln cache */
	const char *settings_json;       /* the config settings, a JSON object */
	const struct strv *constraints;  /* pip constraints (requirements.constraint); may be NULL */
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

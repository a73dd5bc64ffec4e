#ifndef KILN_REQ_H
#define KILN_REQ_H

#include <stdbool.h>

#include "base/util.h"

/* PEP 508 requirements ("name[extra] >=1.0 ; python_version < '3.12'") as
 * found in Requires-Dist, and their environment markers. */
struct req {
	char *name;          /* as written */
	struct strv extras;
	char *spec;          /* version specifier or "@ url"; may be empty */
	char *marker;        /* NULL when none */
};

/* the values markers are evaluated against */
struct req_env {
	const char *python_version;        /* "3.11" */
	const char *python_full_version;   /* "3.11.3" */
	const char *implementation_version;
	const char *implementation_name;   /* "cpython" */
	const char *platform_python_implementation; /* "CPython" */
	const char *sys_platform;          /* "emscripten" */
	const char *platform_system;       /* "Emscripten" */
	const char *platform_machine;      /* "wasm32" */
	const char *platform_release;
	const char *platform_version;
	const char *os_name;               /* "posix" */
	const char *extra;                 /* the extra being installed, "" for none */
};

/* parse one requirement; false with an error logged */
bool req_parse(const char *s, struct req *out);
void req_free(struct req *r);
/* the environment of Pyodide's runtime for a Python version such as "3.11.3" */
void req_env_pyodide(struct req_env *env, const char *python_full_version, char pyver[16]);
/* 1 if the marker holds, 0 if not, -1 (logged) if it is malformed */
int req_marker_eval(const char *marker, const struct req_env *env);
/* a requirement applies: no marker or a true one (malformed markers do not apply) */
bool req_applies(const struct req *r, const struct req_env *env);
/* compare dotted versions numerically part by part: <0, 0, >0 */
int req_version_cmp(const char *a, const char *b);

#endif

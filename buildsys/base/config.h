#ifndef KILN_CONFIG_H
#define KILN_CONFIG_H

#include <stdbool.h>

/* Locations and programs kiln uses, each overridable from the environment. */

/* the target when nothing selects one (a spec of config_target_dir) */
#define CONFIG_DEFAULT_TARGET "0.25"

/* the cache root: $KILN_CACHE, else "cache" in the current directory */
const char *config_cache_dir(void);
/* the host Python with Debian's PEP 517 packages: $KILN_PYTHON, else /usr/bin/python3 */
const char *config_host_python(void);
/* where the installed Pyodide runtimes are, one directory each (the npm aliases
 * pyodide-0.25, pyodide-0.29, pyodide-314 of crossenv/package.json):
 * $KILN_RUNTIMES, else crossenv/node_modules of this checkout */
const char *config_runtimes_dir(void);
/* The directory of the runtime a target spec names, newly allocated: "0.29" (the newest
 * installed 0.29.x), "314", a whole version "0.29.5", "latest" (the newest installed release),
 * or a directory (a spec with a '/', or one that is neither a version nor "latest").
 * NULL when no installed runtime matches (reported, naming the installed ones). */
char *config_target_dir(const char *spec);
/* Select the runtime of this run, in this order: pyodide (a directory, from --pyodide),
 * $KILN_PYODIDE, target (a spec, from --target), $KILN_TARGET, CONFIG_DEFAULT_TARGET.
 * False when the spec names no installed runtime (reported). */
bool config_select_target(const char *pyodide, const char *target);
/* the selected runtime's directory; selected from the environment and the default when
 * config_select_target was not called (a spec that matches nothing is then reported
 * and the directory of the default's install name returned, which then fails to load) */
const char *config_pyodide_dir(void);
/* the target Python's include directory for a cross environment: $KILN_PYTHON_INCLUDE,
 * else NULL (the host Python's headers, when it is the target's major.minor) */
const char *config_python_include(void);
/* the compat layer's sources: $KILN_COMPAT_DIR, else crossenv/compat of this checkout */
const char *config_compat_dir(void);

#endif

#ifndef KILN_CONFIG_H
#define KILN_CONFIG_H

/* Locations and programs kiln uses, each overridable from the environment. */

/* the cache root: $KILN_CACHE, else "cache" in the current directory */
const char *config_cache_dir(void);
/* the host Python with Debian's PEP 517 packages: $KILN_PYTHON, else /usr/bin/python3 */
const char *config_host_python(void);
/* the Pyodide distribution: $KILN_PYODIDE, else the pinned npm package of this checkout */
const char *config_pyodide_dir(void);
/* the compat layer's sources: $KILN_COMPAT_DIR, else crossenv/compat of this checkout */
const char *config_compat_dir(void);

#endif

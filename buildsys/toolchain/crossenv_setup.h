#ifndef KILN_CROSSENV_SETUP_H
#define KILN_CROSSENV_SETUP_H

#include <stdbool.h>

#include "toolchain/crossenv.h"

/* Setting up a cross environment (crossenv.h): its id from the contents of its inputs
 * (the Pyodide distribution, the host Python's headers, the Emscripten toolchain, the
 * compat layer's sources), the directory built once per id (headers, pyconfig.h,
 * sysconfig, meson and CMake files, bin/, the compat layer, the manifest) with the fast
 * path proven on the toolchain, and a stamp that skips all that while no input changed. */

/* Set up (or reuse) the environment for a Pyodide distribution directory (NULL: the
 * selected one, config_pyodide_dir), record it as current, and load it into *ce. Its
 * Python headers come from python_include (NULL: $KILN_PYTHON_INCLUDE), which must be
 * the target's major.minor, else from the host Python when that is the target's
 * major.minor; otherwise setup is refused. Nothing is left in the cache on failure. */
bool crossenv_setup(const char *pyodide_dir, const char *python_include, struct crossenv *ce);

#endif

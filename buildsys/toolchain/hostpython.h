#ifndef KILN_HOSTPYTHON_H
#define KILN_HOSTPYTHON_H

#include <stdbool.h>

#include "base/util.h"

/* A host interpreter of a given Python minor, for the build steps that must run under the
 * target's Python (PEP 517 backends tag wheels from the running interpreter, py-compile
 * writes its bytecode): the host's own Python when it is that minor, else Debian's (3.13
 * from trixie, 3.14 from sid) unpacked from single .debs (toolchain/debpkg: apt's record,
 * `apt-get download`, SHA-256 checked) into <cache_dir>/hostpython/3.X/ and run through the
 * loader of those .debs. Nothing is installed. An entry is
 *   root/      the data.tar of each .deb (usr/bin/python3.X, usr/lib/..., libc and the
 *              libraries the interpreter and its stdlib modules load)
 *   lib        -> root/usr/lib (the interpreter finds its prefix, <entry>, beside bin/)
 *   bin/python3.X, bin/python3, bin/python
 *              launchers: exec root's loader with --library-path root's libraries and
 *              --argv0 themselves (sys.executable is the launcher), setting no variable
 *   root/usr/lib/python3/dist-packages/
 *              the build packages (build, setuptools, wheel, packaging, pyproject_hooks,
 *              Cython) installed by the host's pip for Python 3.X (wheels only); Debian's
 *              site.py puts it on sys.path
 *   source     one line per .deb: package version sha256
 * made in a temporary directory and renamed into place. Failures are reported through
 * log_err. */

/* the launcher (or the host's interpreter) of Python 3.<minor>, newly allocated; NULL
 * (reported) when there is none: apt knows no suite with that minor, a download or check
 * failed, or the unpacked interpreter does not run */
char *hostpython_get(int minor, const char *cache_dir);

/* the minor of the Python interpreter python ("3.X" -> X) into *minor (reported when it
 * does not run) */
bool hostpython_minor(const char *python, int *minor);

/* the start of a pip command line installing wheels for the interpreter python into dir:
 * the host's pip (its configuration and indexes, so one set of credentials and mirrors),
 * with --python-version and --implementation cp when python is not the host's own (only
 * wheels can then be installed, so --only-binary :all: is always given). False (reported)
 * when python does not run */
bool hostpython_pip_argv(const char *python, const char *dir, struct strv *argv);

/* the Debian suite with Python 3.<minor> ("trixie", "sid"), NULL when kiln knows none */
const char *hostpython_suite(int minor);

#endif

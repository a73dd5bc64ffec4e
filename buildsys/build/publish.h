#ifndef KILN_PUBLISH_H
#define KILN_PUBLISH_H

#include <stdbool.h>

struct plan;

/* Publishing a build into dist/: under a lock on dist/.kiln.lock, the artifacts of the
 * selected packages' cache entries are copied (checked against the sha256 recorded in
 * their entry.json) and their entries set in dist/pyodide-lock.json, which starts from
 * the runtime's lockfile (or the previous one of the same Pyodide version).
 * dist/.kiln-manifest lists what kiln copied there, so that an unchanged artifact is
 * recognised by its size and time without hashing it. Unchanged files are not rewritten. */

/* publish the selected packages of p that have a cache entry into dist; false (reported)
 * when anything could not be published */
bool publish_dist(const struct plan *p, const char *dist);

#endif

#ifndef KILN_INDEX_H
#define KILN_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

/* Package indexes: the simple repository API (PEP 503 HTML, PEP 691 JSON). A project
 * page <index>/<normalised name>/ is asked for JSON and accepts HTML; relative links are
 * resolved against the page's URL. Pages are fetched once per process. */

#define INDEX_PYPI "https://pypi.org/simple/"

struct index_file {
	char *name;      /* the file name (the anchor text, or the URL's last component) */
	char *url;       /* absolute, without the fragment */
	char sha256[65]; /* from the page (hashes.sha256 or #sha256=); "" when it gives none */
	bool yanked;
};

struct index_page {
	char *url; /* the page's URL */
	struct index_file *files;
	size_t n;
};

/* how pages are fetched; 0 fields take the defaults of fetch_opts (3 tries, 1000 ms, 30 s) */
struct index_net {
	unsigned tries, backoff_ms;
	long connect_timeout;
};

/* The indexes to ask, in order, appended to out: the given ones (--index-url) when there are
 * any, else $KILN_INDEX_URL (separated by spaces or commas), else $PIP_INDEX_URL or pip's
 * configured index-url, plus $PIP_EXTRA_INDEX_URL or pip's extra-index-url, else PyPI.
 * pip's configuration: /etc/xdg/pip/pip.conf ($XDG_CONFIG_DIRS), /etc/pip.conf,
 * ~/.pip/pip.conf, ~/.config/pip/pip.conf ($XDG_CONFIG_HOME), then $PIP_CONFIG_FILE, later
 * files overriding earlier ones key by key; [install] overrides [global]. The user files are
 * skipped when $PIP_CONFIG_FILE names an existing file; PIP_CONFIG_FILE=/dev/null skips all. */
void index_urls(const struct strv *given, struct strv *out);

/* the project page of project on index, fetched the first time it is asked for; NULL when
 * it cannot be had, with *why (owned by the page cache) saying why */
const struct index_page *index_project(const char *index, const char *project,
	const struct index_net *net, const char **why);

/* the file of the page named name; NULL when none */
const struct index_file *index_page_file(const struct index_page *pg, const char *name);

/* the sdist (.tar.gz or .zip) of project at version, or the newest final release's when
 * version is NULL (pre-releases only when there is nothing else); yanked files only when
 * asked for by version. NULL when there is none. */
const struct index_file *index_page_sdist(const struct index_page *pg, const char *project,
	const char *version);

/* the project an index lists a file under: the name part of an sdist or wheel file name
 * (normalised), NULL when the name is neither */
char *index_project_of_file(const char *file_name);

/* parse a project page (JSON when json, else HTML) fetched from page_url; false with *why
 * (to free) on a malformed page */
bool index_parse_page(const char *body, size_t len, bool json, const char *page_url,
	struct index_page *out, char **why);
void index_page_free(struct index_page *pg);

/* forget the fetched pages */
void index_cache_clear(void);

#endif

#include "toolchain/pyheaders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "toolchain/debpkg.h"

/* apt may take a while on a slow mirror; a hung one must not hang kiln */
#define PYHEADERS_APT_TIMEOUT 900.0
/* data.tar.* of a .deb is read into memory (libpython3.13-dev's: about 5 MB) */
#define PYHEADERS_DATA_MAX ((size_t)1 << 30)

static bool minor_ok(int minor)
{
	if (minor >= 0 && minor <= 99)
		return true;
	log_err("3.%d: not a Python minor version", minor);
	return false;
}

static void no_headers(int minor, const char *pkg)
{
	log_err("no headers for Python 3.%d: apt knows no %s (Debian packages 3.13's in trixie "
		"and 3.14's in sid, which ci/setup adds as apt sources); name the target's headers "
		"with --python-include DIR", minor, pkg);
}

bool pyheaders_lookup(int minor, struct debpkg *deb)
{
	memset(deb, 0, sizeof(*deb));
	if (!minor_ok(minor))
		return false;
	char *pkg = xasprintf("libpython3.%d-dev", minor);
	char *stable = xasprintf("%s/stable", pkg);
	/* the stable suite's version first (its pool file stays), then apt's candidate */
	const char *names[] = {stable, pkg, NULL};
	int found = debpkg_lookup(pkg, names, false, NULL, deb);
	if (found == 0)
		no_headers(minor, pkg);
	free(stable);
	free(pkg);
	return found == 1;
}

/* ---- unpacking ---- */

struct hdr_walk {
	const char *deb;    /* for messages */
	const char *member;
	const char *dest;
	const char *want;   /* python3.X */
	char *multiarch;
	size_t entries;     /* under usr/include/python3.X */
};

/* s is want or under it */
static bool under(const char *s, const char *want)
{
	size_t n = strlen(want);
	return strncmp(s, want, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

/* the directory out goes into */
static bool make_parent(const char *out)
{
	char *dir = path_dirname(out);
	bool ok = mkdir_p(dir, 0755);
	if (!ok)
		log_err("cannot create %s: %s", dir, strerror(errno));
	free(dir);
	return ok;
}

/* rest (below usr/include/) is kept: python3.X/... or MULTIARCH/python3.X/... */
static bool wanted(struct hdr_walk *w, const char *rest, bool *keep)
{
	*keep = false;
	if (under(rest, w->want)) {
		w->entries++;
		*keep = true;
		return true;
	}
	const char *slash = strchr(rest, '/');
	if (!slash || slash == rest || !under(slash + 1, w->want))
		return true;
	size_t n = (size_t)(slash - rest);
	if (w->multiarch && (strlen(w->multiarch) != n || strncmp(w->multiarch, rest, n) != 0)) {
		log_err("%s: %s: headers in both usr/include/%s/ and usr/include/%.*s/", w->deb,
			w->member, w->multiarch, (int)n, rest);
		return false;
	}
	if (!w->multiarch)
		w->multiarch = xstrndup(rest, n);
	*keep = true;
	return true;
}

static enum arc_step hdr_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct hdr_walk *w = ctx;
	const char *p = archive_entry_pathname(e);
	if (!p)
		return ARC_NEXT;
	const char *name = str_startswith(p, "./") ? p + 2 : p;
	if (!str_startswith(name, "usr/include/"))
		return ARC_NEXT;
	const char *rest = name + strlen("usr/include/");
	bool keep = false;
	if (!wanted(w, rest, &keep))
		return ARC_FAIL;
	if (!keep)
		return ARC_NEXT;
	if (!path_is_plain_relative(rest)) {
		log_err("%s: %s: unsafe entry name %s (refused)", w->deb, w->member, p);
		return ARC_FAIL;
	}
	char *out = xasprintf("%s/include/%s", w->dest, rest);
	size_t n = strlen(out);
	if (out[n - 1] == '/')
		out[n - 1] = '\0';
	bool ok = false;
	switch (archive_entry_hardlink(e) ? 0 : archive_entry_filetype(e)) {
	case 0:
		log_err("%s: %s: %s is a hard link (refused)", w->deb, w->member, p);
		break;
	case AE_IFDIR:
		ok = mkdir_p(out, 0755);
		if (!ok)
			log_err("cannot create %s: %s", out, strerror(errno));
		break;
	case AE_IFREG:
		ok = make_parent(out) && arc_entry_to_file(a, w->member, out, 0644);
		break;
	default:
		log_err("%s: %s: %s is neither a file nor a directory (refused)", w->deb,
			w->member, p);
		break;
	}
	free(out);
	return ok ? ARC_NEXT : ARC_FAIL;
}

bool pyheaders_check_minor(const char *include_dir, int minor)
{
	char *path = path_join(include_dir, "patchlevel.h");
	char *text = read_file(path, NULL);
	int major = -1, got = -1;
	bool ok = false;
	if (!text) {
		log_err("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (major < 0 && sscanf(l, "#define PY_MAJOR_VERSION %d", &major) != 1)
			major = -1;
		if (got < 0 && sscanf(l, "#define PY_MINOR_VERSION %d", &got) != 1)
			got = -1;
	}
	if (major < 0 || got < 0)
		log_err("%s: no PY_MAJOR_VERSION and PY_MINOR_VERSION", path);
	else if (major != 3 || got != minor)
		log_err("%s: the headers of Python %d.%d, not 3.%d (refused)", include_dir, major,
			got, minor);
	else
		ok = true;
out:
	free(text);
	free(path);
	return ok;
}

/* the walk over data.tar.* in memory, then the checks of what it left in dest */
static bool unpack_data(const char *path, const struct buf *data, struct hdr_walk *w, int minor)
{
	const struct arc_source src = {
		.data = data->s ? data->s : "",
		.len = data->len,
		.origin = w->member,
		.formats = ARC_TAR,
		.warnings_fail = true,
	};
	if (!arc_each(&src, hdr_entry, w))
		return false;
	if (w->entries == 0) {
		log_err("%s: no usr/include/%s/ in it (not the headers of Python 3.%d)", path,
			w->want, minor);
		return false;
	}
	char *inc = xasprintf("%s/include/%s", w->dest, w->want);
	char *py = path_join(inc, "Python.h");
	bool ok = path_is_file(py);
	if (!ok)
		log_err("%s: no usr/include/%s/Python.h in it", path, w->want);
	ok = ok && pyheaders_check_minor(inc, minor);
	free(py);
	free(inc);
	return ok;
}

bool pyheaders_unpack(const char *path, int minor, const char *dest, char **multiarch)
{
	if (multiarch)
		*multiarch = NULL;
	if (!minor_ok(minor))
		return false;
	struct buf data = {0};
	char *member = NULL;
	char *want = xasprintf("python3.%d", minor);
	struct hdr_walk w = {.deb = path, .dest = dest, .want = want};
	bool ok = false;
	if (!debpkg_data(path, PYHEADERS_DATA_MAX, &data, &member))
		goto out;
	w.member = member;
	if (!mkdir_p(dest, 0755)) {
		log_err("cannot create %s: %s", dest, strerror(errno));
		goto out;
	}
	ok = unpack_data(path, &data, &w, minor);
out:
	if (ok && multiarch) {
		*multiarch = w.multiarch;
		w.multiarch = NULL;
	}
	free(w.multiarch);
	free(want);
	free(member);
	buf_free(&data);
	return ok;
}

/* ---- the cache ---- */

/* the value of key in a key=value text, newly allocated; NULL if none */
static char *conf_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, n) == 0 && l[n] == '=') {
			const char *v = l + n + 1;
			return xstrndup(v, strcspn(v, "\n"));
		}
	}
	return NULL;
}

/* fill h from the entry dir */
static bool read_entry(const char *dir, int minor, struct pyheaders *h)
{
	char *src = path_join(dir, "source");
	char *text = read_file(src, NULL);
	char *sha = text ? conf_value(text, "sha256") : NULL;
	char *ma = text ? conf_value(text, "multiarch") : NULL;
	bool ok = false;
	h->dir = xstrdup(dir);
	h->include_dir = xasprintf("%s/include/python3.%d", dir, minor);
	h->version = text ? conf_value(text, "version") : NULL;
	if (!h->version || !sha || strlen(sha) != 64) {
		log_err("%s: no version and sha256 in it (not made by kiln? remove %s)", src, dir);
		goto out;
	}
	memcpy(h->sha256, sha, 65);
	if (ma && *ma) {
		h->pyconfig = xasprintf("%s/include/%s/python3.%d/pyconfig.h", dir, ma, minor);
		if (!path_is_file(h->pyconfig)) {
			log_err("%s: missing (remove %s)", h->pyconfig, dir);
			goto out;
		}
	}
	ok = pyheaders_check_minor(h->include_dir, minor);
out:
	free(ma);
	free(sha);
	free(text);
	free(src);
	return ok;
}

static bool write_source(const char *root, const struct debpkg *deb, const char *ma)
{
	char *path = path_join(root, "source");
	char *text = xasprintf("package=%s\nversion=%s\nfilename=%s\nsha256=%s\nmultiarch=%s\n",
		deb->package, deb->version, deb->filename, deb->sha256, ma ? ma : "");
	bool ok = write_file_atomic(path, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(path);
	return ok;
}

/* lookup, download, verify, unpack into a temporary directory, rename to entry */
static bool fetch(int minor, const char *cache_dir, const char *entry)
{
	struct debpkg deb;
	char *tmp = NULL, *root = NULL, *path = NULL, *ma = NULL;
	bool ok = false;
	if (!pyheaders_lookup(minor, &deb))
		return false;
	tmp = xasprintf("%s/.tmp-python3.%d-%ld", cache_dir, minor, (long)getpid());
	remove_tree(tmp);
	if (!mkdir_p(tmp, 0755)) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	path = debpkg_download(&deb, tmp);
	root = path_join(tmp, "entry");
	if (!path || !pyheaders_unpack(path, minor, root, &ma) || !write_source(root, &deb, ma))
		goto out;
	if (rename(root, entry) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
		log_err("cannot rename %s to %s: %s", root, entry, strerror(errno));
		goto out;
	}
	/* EEXIST/ENOTEMPTY: fetched concurrently by someone else; theirs is as good */
	ok = true;
out:
	remove_tree(tmp);
	free(ma);
	free(path);
	free(root);
	free(tmp);
	debpkg_free(&deb);
	return ok;
}

bool pyheaders_get(int minor, const char *cache_dir, struct pyheaders *out)
{
	memset(out, 0, sizeof(*out));
	if (!minor_ok(minor))
		return false;
	char *entry = xasprintf("%s/python3.%d", cache_dir, minor);
	bool ok = false;
	if (!path_is_dir(entry)) {
		if (!mkdir_p(cache_dir, 0755)) {
			log_err("cannot create %s: %s", cache_dir, strerror(errno));
			goto out;
		}
		if (!fetch(minor, cache_dir, entry))
			goto out;
		out->fetched = true;
	}
	ok = read_entry(entry, minor, out);
out:
	if (!ok)
		pyheaders_free(out);
	free(entry);
	return ok;
}

void pyheaders_free(struct pyheaders *h)
{
	free(h->dir);
	free(h->include_dir);
	free(h->pyconfig);
	free(h->version);
	memset(h, 0, sizeof(*h));
}

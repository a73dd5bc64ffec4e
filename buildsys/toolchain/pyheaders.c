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

/* apt may take a while on a slow mirror; a hung one must not hang kiln */
#define PYHEADERS_APT_TIMEOUT 900.0
/* data.tar.* of a .deb is read into memory (libpython3.13-dev's: about 5 MB) */
#define PYHEADERS_DATA_MAX ((size_t)1 << 30)
/* one header file */
#define PYHEADERS_FILE_MAX ((size_t)64 << 20)

static bool minor_ok(int minor)
{
	if (minor >= 0 && minor <= 99)
		return true;
	log_err("3.%d: not a Python minor version", minor);
	return false;
}

static bool is_sha256(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return n == 64 && s[n] == '\0';
}

/* run argv (cwd: dir, NULL for kiln's) with stdout and stderr into out and err; *code
 * gets its exit code, -1 when it did not exit */
static bool run_apt(const char *const *argv, const char *dir, struct buf *out, struct buf *err,
	int *code)
{
	struct proc_opts o = {
		.cwd = dir,
		.in = {PROC_NULL},
		.out = {PROC_PIPE, .buf = out},
		.err = {PROC_PIPE, .buf = err},
		.timeout = PYHEADERS_APT_TIMEOUT,
	};
	int st = 0;
	if (!proc_run(argv, &o, &st))
		return false;
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (*code != 0) {
		char *how = proc_describe(st);
		log_err("%s %s failed (%s): %s", argv[0], argv[1], how,
			err->s ? str_last_lines(err->s, err->len, 4) : "");
		free(how);
	}
	return true;
}

/* the value of field name in the first stanza of text, newly allocated; NULL if none */
static char *stanza_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = text; *l && *l != '\n';) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		if (len > n + 1 && strncmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return xstrndup(v, len - (size_t)(v - l));
		}
		if (!end)
			break;
		l = end + 1;
	}
	return NULL;
}

static void no_headers(int minor, const char *pkg)
{
	log_err("no headers for Python 3.%d: apt knows no %s (Debian packages 3.13's in trixie "
		"and 3.14's in sid, which ci/setup adds as apt sources); name the target's headers "
		"with --python-include DIR", minor, pkg);
}

/* fill deb from the first stanza of apt-cache's output */
static bool parse_record(const char *text, const char *pkg, struct pyheaders_deb *deb)
{
	char *sha = stanza_field(text, "SHA256");
	deb->package = stanza_field(text, "Package");
	deb->version = stanza_field(text, "Version");
	deb->filename = stanza_field(text, "Filename");
	bool ok = deb->package && strcmp(deb->package, pkg) == 0 && deb->version &&
		deb->filename && str_endswith(deb->filename, ".deb") &&
		path_basename(deb->filename)[0] != '.' && sha && is_sha256(sha);
	if (ok) {
		for (size_t i = 0; i < 64; i++)
			deb->sha256[i] = (char)(sha[i] >= 'A' && sha[i] <= 'F' ? sha[i] + 32 : sha[i]);
		deb->sha256[64] = '\0';
	} else {
		log_err("apt-cache show %s: no Package, Version, Filename and SHA256 in its record",
			pkg);
	}
	free(sha);
	return ok;
}

bool pyheaders_lookup(int minor, struct pyheaders_deb *deb)
{
	memset(deb, 0, sizeof(*deb));
	if (!minor_ok(minor))
		return false;
	char *pkg = xasprintf("libpython3.%d-dev", minor);
	char *stable = xasprintf("%s/stable", pkg);
	/* the stable suite's version first (its pool file stays), then apt's candidate */
	const char *argv[] = {"apt-cache", "show", "--no-all-versions", stable, pkg, NULL};
	struct buf out = {0}, err = {0};
	int code = -1;
	bool ok = false;
	if (!run_apt(argv, NULL, &out, &err, &code))
		goto out;
	if (code == 0 && out.len == 0)
		no_headers(minor, pkg);
	else if (code != 0 && err.s && strstr(err.s, "No packages found"))
		no_headers(minor, pkg);
	else if (code == 0)
		ok = parse_record(out.s, pkg, deb);
	if (!ok)
		pyheaders_deb_free(deb);
out:
	buf_free(&out);
	buf_free(&err);
	free(stable);
	free(pkg);
	return ok;
}

void pyheaders_deb_free(struct pyheaders_deb *deb)
{
	free(deb->package);
	free(deb->version);
	free(deb->filename);
	memset(deb, 0, sizeof(*deb));
}

bool pyheaders_verify(const char *path, const struct pyheaders_deb *deb)
{
	char got[65];
	if (!hash_sha256_file(path, got)) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	if (strcasecmp(got, deb->sha256) == 0)
		return true;
	bool gone = unlink(path) == 0;
	log_err("%s: SHA-256 %s, but apt records %s for %s %s: %s", path, got, deb->sha256,
		deb->package, deb->version, gone ? "deleted" : strerror(errno));
	return false;
}

char *pyheaders_download(const struct pyheaders_deb *deb, const char *dir)
{
	char *spec = xasprintf("%s=%s", deb->package, deb->version);
	const char *argv[] = {"apt-get", "download", "-q", spec, NULL};
	char *path = path_join(dir, path_basename(deb->filename));
	struct buf out = {0}, err = {0};
	int code = -1;
	bool ok = false;
	unlink(path);
	if (!run_apt(argv, dir, &out, &err, &code) || code != 0)
		goto out;
	if (!path_is_file(path)) {
		log_err("apt-get download %s wrote no %s", spec, path);
		goto out;
	}
	ok = pyheaders_verify(path, deb);
out:
	buf_free(&out);
	buf_free(&err);
	free(spec);
	if (!ok) {
		free(path);
		path = NULL;
	}
	return path;
}

/* ---- unpacking ---- */

struct deb_read {
	const char *path;
	struct buf data;
	char *member;
};

/* data.tar.* of a .deb into memory */
static enum arc_step deb_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct deb_read *d = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name || !str_startswith(name, "data.tar"))
		return ARC_NEXT;
	int r = arc_entry_data(a, &d->data, PYHEADERS_DATA_MAX);
	if (r != 0) {
		log_err("%s: %s: %s", d->path, name,
			r < 0 ? archive_error_string(a) : "larger than kiln reads");
		return ARC_FAIL;
	}
	d->member = xstrdup(name);
	return ARC_STOP;
}

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

/* a relative name without empty, "." or ".." components (one trailing '/' allowed) */
static bool safe_name(const char *s)
{
	for (const char *c = s;;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if ((n == 0 && (end || c == s)) || (n == 1 && c[0] == '.') ||
			(n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!end || end[1] == '\0')
			return true;
		c = end + 1;
	}
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* the current entry's data into a new file at out */
static bool extract_file(struct archive *a, const struct hdr_walk *w, const char *name,
	const char *out)
{
	struct buf b = {0};
	int r = arc_entry_data(a, &b, PYHEADERS_FILE_MAX);
	bool ok = false;
	char *dir = path_dirname(out);
	if (r != 0) {
		log_err("%s: %s: %s: %s", w->deb, w->member, name,
			r < 0 ? archive_error_string(a) : "larger than a header should be");
		goto out;
	}
	if (!mkdir_p(dir, 0755)) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot create %s: %s", out, strerror(errno));
		goto out;
	}
	ok = write_all(fd, b.s ? b.s : "", b.len);
	if (close(fd) != 0)
		ok = false;
	if (!ok)
		log_err("cannot write %s: %s", out, strerror(errno));
out:
	free(dir);
	buf_free(&b);
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
	if (!safe_name(rest)) {
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
		ok = extract_file(a, w, p, out);
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
static bool unpack_data(struct deb_read *d, struct hdr_walk *w, int minor)
{
	const struct arc_source src = {
		.data = d->data.s ? d->data.s : "",
		.len = d->data.len,
		.origin = d->member,
		.formats = ARC_TAR,
		.warnings_fail = true,
	};
	if (!arc_each(&src, hdr_entry, w))
		return false;
	if (w->entries == 0) {
		log_err("%s: no usr/include/%s/ in it (not the headers of Python 3.%d)", d->path,
			w->want, minor);
		return false;
	}
	char *inc = xasprintf("%s/include/%s", w->dest, w->want);
	char *py = path_join(inc, "Python.h");
	bool ok = path_is_file(py);
	if (!ok)
		log_err("%s: no usr/include/%s/Python.h in it", d->path, w->want);
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
	struct deb_read d = {.path = path};
	char *want = xasprintf("python3.%d", minor);
	struct hdr_walk w = {.deb = path, .dest = dest, .want = want};
	bool ok = false;
	const struct arc_source deb = {.path = path, .formats = ARC_AR};
	if (!arc_each(&deb, deb_member, &d))
		goto out;
	if (!d.member) {
		log_err("%s: no data.tar member (not a .deb)", path);
		goto out;
	}
	w.member = d.member;
	if (!mkdir_p(dest, 0755)) {
		log_err("cannot create %s: %s", dest, strerror(errno));
		goto out;
	}
	ok = unpack_data(&d, &w, minor);
out:
	if (ok && multiarch) {
		*multiarch = w.multiarch;
		w.multiarch = NULL;
	}
	free(w.multiarch);
	free(want);
	free(d.member);
	buf_free(&d.data);
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
	if (!h->version || !sha || !is_sha256(sha)) {
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

static bool write_source(const char *root, const struct pyheaders_deb *deb, const char *ma)
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
	struct pyheaders_deb deb;
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
	path = pyheaders_download(&deb, tmp);
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
	pyheaders_deb_free(&deb);
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

#include "toolchain/debpkg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"

/* apt may take a while on a slow mirror; a hung one must not hang kiln */
#define DEBPKG_APT_TIMEOUT 900.0

/* run apt's argv (cwd: dir, NULL for kiln's) with stdout and stderr into out and err; *code
 * gets its exit code, -1 when it did not exit. False (reported) when it could not run. */
static bool run_apt(const char *const *argv, const char *dir, struct buf *out, struct buf *err,
	int *code)
{
	struct proc_opts o = {
		.cwd = dir,
		.in = {PROC_NULL},
		.out = {PROC_PIPE, .buf = out},
		.err = {PROC_PIPE, .buf = err},
		.timeout = DEBPKG_APT_TIMEOUT,
	};
	int st = 0;
	if (!proc_run(argv, &o, &st))
		return false;
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return true;
}

static void apt_failed(const char *const *argv, int code, const struct buf *err)
{
	log_err("%s %s failed (exit %d): %s", argv[0], argv[1], code,
		err->s ? str_last_lines(err->s, err->len, 4) : "");
}

/* the value of field name in the stanza from text up to end, newly allocated; NULL if none */
static char *field(const char *text, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = text; l && l < end; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			v += strspn(v, " \t");
			return xstrndup(v, strcspn(v, "\n"));
		}
	return NULL;
}

static bool is_sha256(const char *s)
{
	return strspn(s, "0123456789abcdefABCDEF") == 64 && s[64] == '\0';
}

/* version is want, or want followed by '+', '-' or '~'; a want ending in '.' is a prefix */
static bool version_is(const char *version, const char *want)
{
	size_t n = strlen(want);
	if (n && want[n - 1] == '.')
		return strncmp(version, want, n) == 0;
	return strncmp(version, want, n) == 0 && strchr("+-~", version[n]) != NULL;
}

/* the stanza from s up to end into *d when it is a whole record of package (and version) */
static bool take_stanza(const char *s, const char *end, const char *package, const char *version,
	struct debpkg *d)
{
	char *p = field(s, end, "Package"), *v = field(s, end, "Version");
	char *f = field(s, end, "Filename"), *h = field(s, end, "SHA256");
	bool ok = p && v && f && h && strcmp(p, package) == 0 && is_sha256(h) &&
		(!version || version_is(v, version)) && str_endswith(f, ".deb") &&
		path_basename(f)[0] != '.';
	if (ok) {
		d->package = p;
		d->version = v;
		d->filename = f;
		for (size_t i = 0; i < 64; i++)
			d->sha256[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] + 32 : h[i]);
		d->sha256[64] = '\0';
		p = v = f = NULL;
	}
	free(p);
	free(v);
	free(f);
	free(h);
	return ok;
}

int debpkg_lookup(const char *package, const char *const *names, bool all_versions,
	const char *version, struct debpkg *out)
{
	memset(out, 0, sizeof(*out));
	struct strv argv = {0};
	strv_add(&argv, "apt-cache");
	strv_add(&argv, "show");
	if (!all_versions)
		strv_add(&argv, "--no-all-versions");
	for (size_t i = 0; names[i]; i++)
		strv_add(&argv, names[i]); /* NULL-terminated by strv */
	struct buf o = {0}, e = {0};
	int code = -1, found = -1;
	if (!run_apt((const char *const *)argv.v, NULL, &o, &e, &code))
		goto out;
	if (code != 0 && !(e.s && strstr(e.s, "No packages found"))) {
		apt_failed((const char *const *)argv.v, code, &e);
		goto out;
	}
	found = 0;
	for (const char *s = o.s; s && *s && !found;) {
		const char *end = strstr(s, "\n\n");
		if (!end)
			end = s + strlen(s);
		found = take_stanza(s, end, package, version, out);
		s = *end ? end + 2 : end;
	}
out:
	buf_free(&o);
	buf_free(&e);
	strv_free(&argv);
	return found;
}

void debpkg_free(struct debpkg *d)
{
	free(d->package);
	free(d->version);
	free(d->filename);
	memset(d, 0, sizeof(*d));
}

bool debpkg_verify(const char *path, const struct debpkg *d)
{
	char got[65];
	if (!hash_sha256_file(path, got)) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	if (strcasecmp(got, d->sha256) == 0)
		return true;
	bool gone = unlink(path) == 0;
	log_err("%s: SHA-256 %s, but apt records %s for %s %s: %s", path, got, d->sha256,
		d->package, d->version, gone ? "deleted" : strerror(errno));
	return false;
}

/* the name apt-get download gives the .deb: PACKAGE_VERSION_ARCH.deb with the version's
 * epoch colon quoted (zlib1g_1%3a1.3.dfsg-4_amd64.deb), where the pool file has no epoch */
static char *download_name(const struct debpkg *d)
{
	const char *arch = strrchr(path_basename(d->filename), '_');
	struct buf b = {0};
	buf_printf(&b, "%s_", d->package);
	for (const char *v = d->version; *v; v++)
		if (*v == ':')
			buf_printf(&b, "%%3a");
		else
			buf_putc(&b, *v);
	buf_printf(&b, "%s", arch ? arch : "_all.deb");
	return buf_take(&b);
}

char *debpkg_download(const struct debpkg *d, const char *dir)
{
	char *spec = xasprintf("%s=%s", d->package, d->version);
	const char *argv[] = {"apt-get", "download", "-q", spec, NULL};
	char *name = download_name(d);
	char *path = path_join(dir, name);
	free(name);
	struct buf out = {0}, err = {0};
	int code = -1;
	bool ok = false;
	unlink(path);
	if (!run_apt(argv, dir, &out, &err, &code))
		goto out;
	if (code != 0)
		apt_failed(argv, code, &err);
	else if (!path_is_file(path))
		log_err("apt-get download %s wrote no %s", spec, path);
	else
		ok = debpkg_verify(path, d);
out:
	buf_free(&out);
	buf_free(&err);
	free(spec);
	if (!ok) {
		unlink(path);
		free(path);
		path = NULL;
	}
	return path;
}

struct deb_read {
	const char *path;
	size_t max;
	struct buf *data;
	char *member;
};

static enum arc_step deb_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct deb_read *d = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name || !str_startswith(name, "data.tar"))
		return ARC_NEXT;
	int r = arc_entry_data(a, d->data, d->max);
	if (r != 0) {
		log_err("%s: %s: %s", d->path, name,
			r < 0 ? archive_error_string(a) : "larger than kiln reads");
		return ARC_FAIL;
	}
	d->member = xstrdup(name);
	return ARC_STOP;
}

bool debpkg_data(const char *path, size_t max, struct buf *data, char **member)
{
	struct deb_read d = {.path = path, .max = max, .data = data};
	const struct arc_source deb = {.path = path, .formats = ARC_AR};
	*member = NULL;
	if (!arc_each(&deb, deb_member, &d)) {
		free(d.member);
		return false;
	}
	if (!d.member) {
		log_err("%s: no data.tar member (not a .deb)", path);
		return false;
	}
	*member = d.member;
	return true;
}

#include "toolchain/hostpython.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/config.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "toolchain/debpkg.h"

/* data.tar.* of libc6 is the largest: about 4 MB compressed, 13 MB unpacked */
#define HOSTPY_DATA_MAX ((size_t)1 << 30)
#define HOSTPY_MULTIARCH "x86_64-linux-gnu"
#define HOSTPY_LOADER "ld-linux-x86-64.so.2"

/* The packages of an interpreter that runs the stdlib modules PEP 517 backends and pip use
 * (ssl, zlib, bz2, lzma, ctypes, sqlite3, uuid, pyexpat): Python's own three (of the minor)
 * and these libraries. Readline, curses and dbm (interactive use only) are left out. */
#define PYTHON_PACKAGES 3
static const char *const libraries[] = {"libc6", "libexpat1", "zlib1g", "libssl3t64",
	"libffi8", "libbz2-1.0", "liblzma5", "libzstd1", "libsqlite3-0", "libuuid1"};

/* the i-th package (i < PYTHON_PACKAGES + ARRAY_LEN(libraries)) of Python 3.<minor> */
static char *package_name(size_t i, int minor)
{
	switch (i) {
	case 0:
		return xasprintf("python3.%d-minimal", minor);
	case 1:
		return xasprintf("libpython3.%d-minimal", minor);
	case 2:
		return xasprintf("libpython3.%d-stdlib", minor);
	default:
		return xstrdup(libraries[i - PYTHON_PACKAGES]);
	}
}

const char *hostpython_suite(int minor)
{
	switch (minor) {
	case 13:
		return "trixie";
	case 14:
		return "sid";
	default:
		return NULL;
	}
}

bool hostpython_minor(const char *python, int *minor)
{
	struct strv argv = {0};
	strv_add(&argv, python);
	strv_add(&argv, "-c");
	strv_add(&argv, "import sys; print('%d.%d' % sys.version_info[:2])");
	struct buf out = {0}, err = {0};
	int st = 0, major = 0;
	bool ok = proc_capture(argv.v, NULL, &out, &err, &st) && st == 0 && out.s &&
		sscanf(out.s, "%d.%d", &major, minor) == 2;
	strv_free(&argv);
	if (!ok)
		log_err("%s does not run (exit %d): %s", python, st,
			err.s ? str_last_lines(err.s, err.len, 3) : "");
	buf_free(&out);
	buf_free(&err);
	return ok;
}

/* ---- unpacking ---- */

struct root_walk {
	const char *origin;
	const char *dest;
};

/* name (relative, plain) and a symlink target relative to its directory stay inside the
 * tree: the target never climbs above the root */
static bool link_inside(const char *name, const char *target)
{
	if (target[0] == '/')
		return false;
	long depth = 0;
	for (const char *s = name; *s; s++)
		depth += *s == '/';
	for (const char *c = target; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			depth--;
		else if (n > 0 && !(n == 1 && c[0] == '.'))
			depth++;
		if (depth < 0)
			return false;
		c += n + (c[n] == '/');
	}
	return true;
}

static bool make_parent(const char *out)
{
	char *dir = path_dirname(out);
	bool ok = mkdir_p(dir, 0755);
	if (!ok)
		log_err("cannot create %s: %s", dir, strerror(errno));
	free(dir);
	return ok;
}

/* a symlink or hard link of the tree; links that would leave the tree are left out */
static bool put_link(struct root_walk *w, struct archive_entry *e, const char *name,
	const char *out)
{
	const char *hard = archive_entry_hardlink(e);
	if (hard) {
		const char *h = str_startswith(hard, "./") ? hard + 2 : hard;
		if (!path_is_plain_relative(h)) {
			log_err("%s: %s: a hard link to %s (refused)", w->origin, name, hard);
			return false;
		}
		char *from = path_join(w->dest, h);
		bool ok = link(from, out) == 0;
		if (!ok)
			log_err("cannot link %s to %s: %s", out, from, strerror(errno));
		free(from);
		return ok;
	}
	const char *target = archive_entry_symlink(e);
	if (!target || !link_inside(name, target))
		return true; /* e.g. into /etc: not needed to run the interpreter */
	if (symlink(target, out) != 0) {
		log_err("cannot create %s: %s", out, strerror(errno));
		return false;
	}
	return true;
}

static enum arc_step root_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct root_walk *w = ctx;
	const char *p = archive_entry_pathname(e);
	const char *name = p && str_startswith(p, "./") ? p + 2 : p;
	if (!name || !(str_startswith(name, "usr/bin/") || str_startswith(name, "usr/lib/")))
		return ARC_NEXT;
	if (!path_is_plain_relative(name)) {
		log_err("%s: %s: an unsafe name (refused)", w->origin, p);
		return ARC_FAIL;
	}
	char *out = path_join(w->dest, name);
	size_t n = strlen(out);
	if (out[n - 1] == '/')
		out[n - 1] = '\0';
	bool ok = false;
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFDIR) {
		ok = mkdir_p(out, 0755);
		if (!ok)
			log_err("cannot create %s: %s", out, strerror(errno));
	} else if (!make_parent(out)) {
		ok = false;
	} else if (archive_entry_hardlink(e) || type == AE_IFLNK) {
		ok = put_link(w, e, name, out);
	} else if (type == AE_IFREG) {
		ok = arc_entry_to_file(a, w->origin, out, (archive_entry_perm(e) & 0111) ? 0755 : 0644);
	} else {
		log_err("%s: %s: not a file, directory or link (refused)", w->origin, p);
	}
	free(out);
	return ok ? ARC_NEXT : ARC_FAIL;
}

/* usr/bin and usr/lib of the .deb at path into dest */
static bool unpack_deb(const char *path, const char *dest)
{
	struct buf data = {0};
	char *member = NULL;
	if (!debpkg_data(path, HOSTPY_DATA_MAX, &data, &member))
		return false;
	char *origin = xasprintf("%s!%s", path, member);
	struct root_walk w = {.origin = origin, .dest = dest};
	const struct arc_source src = {
		.data = data.s ? data.s : "",
		.len = data.len,
		.origin = origin,
		.formats = ARC_TAR,
		.warnings_fail = true,
	};
	bool ok = arc_each(&src, root_entry, &w);
	free(origin);
	free(member);
	buf_free(&data);
	return ok;
}

/* one package of the suite: looked up, downloaded (checked), unpacked into root, its
 * line into *source */
static bool take_package(const char *pkg, const char *suite, const char *dl, const char *root,
	struct buf *source)
{
	struct debpkg deb;
	memset(&deb, 0, sizeof(deb));
	char *name = xasprintf("%s/%s", pkg, suite);
	const char *names[] = {name, NULL};
	int found = debpkg_lookup(pkg, names, false, NULL, &deb);
	char *path = NULL;
	bool ok = false;
	if (found == 0)
		log_err("apt knows no %s in %s: that suite must be in apt's sources (ci/setup adds "
			"trixie and sid at pin priority 1; then apt-get update)", pkg, suite);
	if (found != 1)
		goto out;
	if (!(path = debpkg_download(&deb, dl)) || !unpack_deb(path, root))
		goto out;
	buf_printf(source, "%s %s %s\n", deb.package, deb.version, deb.sha256);
	ok = true;
out:
	if (path)
		unlink(path);
	debpkg_free(&deb);
	free(path);
	free(name);
	return ok;
}

/* ---- the build packages ---- */

/* what PEP 517 builds need in the interpreter (`python -m build --no-isolation` with the
 * setuptools and Cython backends); the host's Debian packages are of the host's minor */
static const char *const build_packages[] = {"build", "setuptools", "wheel", "packaging",
	"pyproject_hooks", "Cython"};

/* the head of a host pip install into dir for Python 3.<minor> (minor < 0: the host's) */
static void pip_head(const char *dir, int minor, struct strv *argv)
{
	const char *head[] = {config_host_python(), "-m", "pip", "install", "--no-input",
		"--no-compile", "--disable-pip-version-check", "--target", dir, "--only-binary",
		":all:"};
	for (size_t i = 0; i < ARRAY_LEN(head); i++)
		strv_add(argv, head[i]);
	if (minor < 0)
		return;
	strv_add(argv, "--python-version");
	strv_push(argv, xasprintf("3.%d", minor));
	strv_add(argv, "--implementation");
	strv_add(argv, "cp");
}

bool hostpython_pip_argv(const char *python, const char *dir, struct strv *argv)
{
	int minor = -1;
	if (strcmp(python, config_host_python()) != 0 && !hostpython_minor(python, &minor))
		return false;
	pip_head(dir, minor, argv);
	return true;
}

/* the build packages for Python 3.<minor> into dir, wheels only */
static bool pip_install(int minor, const char *dir)
{
	struct strv argv = {0};
	pip_head(dir, minor, &argv);
	strv_add(&argv, "--quiet");
	for (size_t i = 0; i < ARRAY_LEN(build_packages); i++)
		strv_add(&argv, build_packages[i]);
	struct buf err = {0};
	int st = 0;
	bool ok = proc_capture(argv.v, NULL, NULL, &err, &st) && st == 0;
	if (!ok)
		log_err("pip could not install the build packages for Python 3.%d (exit %d; "
			"needs python3-pip and an index): %s", minor, st,
			err.s ? str_last_lines(err.s, err.len, 4) : "");
	buf_free(&err);
	strv_free(&argv);
	return ok;
}

/* ---- the entry ---- */

static bool write_launcher(const char *tmp, const char *final, int minor, const char *name)
{
	char *path = xasprintf("%s/bin/%s", tmp, name);
	char *lib = xasprintf("%s/root/usr/lib/%s", final, HOSTPY_MULTIARCH);
	char *text = xasprintf("#!/bin/sh\n# written by kiln: Debian's Python 3.%d, run by the "
			       "loader of its own libc (see ../source)\n"
			       "exec '%s/%s' --library-path '%s' --argv0 '%s/bin/%s' "
			       "'%s/root/usr/bin/python3.%d' \"$@\"\n",
		minor, lib, HOSTPY_LOADER, lib, final, name, final, minor);
	bool ok = write_file_atomic(path, text, strlen(text)) && chmod(path, 0755) == 0;
	if (!ok)
		log_err("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(lib);
	free(path);
	return ok;
}

/* every package into tmp/root, the source list, lib, the launchers for final */
static bool assemble(int minor, const char *tmp, const char *final)
{
	const char *suite = hostpython_suite(minor);
	char *root = path_join(tmp, "root"), *dl = path_join(tmp, "deb");
	char *bin = path_join(tmp, "bin"), *lib = path_join(tmp, "lib");
	struct buf source = {0};
	bool ok = mkdir_p(root, 0755) && mkdir_p(dl, 0755) && mkdir_p(bin, 0755);
	if (!ok)
		log_err("cannot create %s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < PYTHON_PACKAGES + ARRAY_LEN(libraries) && ok; i++) {
		char *pkg = package_name(i, minor);
		ok = take_package(pkg, suite, dl, root, &source);
		free(pkg);
	}
	if (ok && symlink("root/usr/lib", lib) != 0) {
		log_err("cannot create %s: %s", lib, strerror(errno));
		ok = false;
	}
	char *site = path_join(root, "usr/lib/python3/dist-packages");
	/* Debian's site.py puts <prefix>/lib/python3/dist-packages on sys.path */
	ok = ok && pip_install(minor, site);
	free(site);
	char *pyname = xasprintf("python3.%d", minor);
	const char *names[] = {pyname, "python3", "python"};
	for (size_t i = 0; i < ARRAY_LEN(names) && ok; i++)
		ok = write_launcher(tmp, final, minor, names[i]);
	char *src = path_join(tmp, "source");
	if (ok && !write_file_atomic(src, source.s, source.len)) {
		log_err("cannot write %s: %s", src, strerror(errno));
		ok = false;
	}
	remove_tree(dl);
	free(src);
	free(pyname);
	buf_free(&source);
	free(lib);
	free(bin);
	free(dl);
	free(root);
	return ok;
}

/* the launcher runs and is Python 3.<minor> */
static bool check_launcher(const char *launcher, int minor)
{
	int got = -1;
	if (!hostpython_minor(launcher, &got))
		return false;
	if (got != minor) {
		log_err("%s is Python 3.%d, not 3.%d", launcher, got, minor);
		return false;
	}
	return true;
}

/* unpack into a temporary directory, rename it to final */
static bool make_entry(int minor, const char *dir, const char *final, const char *launcher)
{
	log_info("unpacking Debian's Python 3.%d (%s) into %s", minor, hostpython_suite(minor),
		final);
	char *tmp = xasprintf("%s/.tmp-3.%d-%ld", dir, minor, (long)getpid());
	remove_tree(tmp);
	bool ok = assemble(minor, tmp, final);
	if (ok && rename(tmp, final) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
		log_err("cannot rename %s to %s: %s", tmp, final, strerror(errno));
		ok = false;
	}
	/* EEXIST/ENOTEMPTY: made concurrently by someone else; theirs is as good */
	remove_tree(tmp);
	if (ok && !check_launcher(launcher, minor)) {
		log_err("%s: the unpacked interpreter does not run (remove it to retry)", final);
		ok = false;
	}
	free(tmp);
	return ok;
}

char *hostpython_get(int minor, const char *cache_dir)
{
	int host = -1;
	const char *py = config_host_python();
	if (hostpython_minor(py, &host) && host == minor)
		return xstrdup(py);
	if (!hostpython_suite(minor)) {
		log_err("no Python 3.%d to run build backends under: the host's %s is 3.%d and "
			"kiln takes only 3.13 (trixie) and 3.14 (sid) from Debian", minor, py, host);
		return NULL;
	}
	char *dir = path_join(cache_dir, "hostpython");
	char *final = xasprintf("%s/3.%d", dir, minor);
	char *launcher = xasprintf("%s/bin/python3.%d", final, minor);
	char *src = path_join(final, "source");
	bool ok = path_is_file(src) && access(launcher, X_OK) == 0;
	if (!ok) {
		if (!mkdir_p(dir, 0755))
			log_err("cannot create %s: %s", dir, strerror(errno));
		else
			ok = make_entry(minor, dir, final, launcher);
	}
	free(src);
	free(final);
	free(dir);
	if (!ok) {
		free(launcher);
		return NULL;
	}
	return launcher;
}

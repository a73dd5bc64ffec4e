#include "build/srctree.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "build/unpack.h"

static void remove_temp(const char *p)
{
	if (!remove_tree(p))
		log_warn("cannot remove %s: %s", p, strerror(errno));
}

char *srctree_archive_stem(const char *archive)
{
	static const char *const exts[] = {
		".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz", ".tar.lzma", ".tar.Z",
		".tgz", ".tbz2", ".tbz", ".txz", ".tar", ".zip",
	};
	const char *base = path_basename(archive);
	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_endswith(base, exts[i]) && strlen(base) > strlen(exts[i]))
			return xstrndup(base, strlen(base) - strlen(exts[i]));
	return xstrdup(base);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the top level of dir as "a/, b, c/" for messages; *only_dir set when it is one directory */
static char *list_top(const char *dir, char **only_dir)
{
	struct strv names = {0};
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			strv_add(&names, e->d_name);
	if (d)
		closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	struct buf b = {0};
	*only_dir = NULL;
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.v[i]);
		struct stat st;
		bool isdir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
		if (names.n == 1 && isdir)
			*only_dir = xstrdup(names.v[i]);
		buf_printf(&b, "%s%s%s", i ? ", " : "", names.v[i], isdir ? "/" : "");
		free(p);
	}
	if (!names.n)
		buf_puts(&b, "nothing");
	strv_free(&names);
	return buf_take(&b);
}

/* the directory of the unpacked tree tmp that becomes the source tree */
static char *pick_top(const char *archive, const char *tmp, const char *extract_dir)
{
	char *only = NULL, *listing = NULL, *top = NULL;
	if (extract_dir && strcmp(extract_dir, ".") == 0)
		return xstrdup(tmp);
	if (extract_dir) {
		const char *why = NULL;
		char *norm = unpack_normalize(extract_dir, &why);
		if (!norm || !norm[0]) {
			log_err("%s: extract_dir '%s' %s", archive, extract_dir,
				why ? why : "is empty");
			free(norm);
			return NULL;
		}
		char *p = path_join(tmp, norm);
		free(norm);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return p;
		free(p);
		listing = list_top(tmp, &only);
		log_err("%s: extract_dir '%s' is not a directory in the archive; its top level "
			"holds: %s", archive, extract_dir, listing);
		goto out;
	}
	char *stem = srctree_archive_stem(archive);
	char *p = path_join(tmp, stem);
	struct stat st;
	if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(stem);
		return p;
	}
	free(p);
	listing = list_top(tmp, &only);
	if (only)
		top = path_join(tmp, only);
	else
		log_err("%s: no top directory '%s' and not a single directory at the top (it holds: "
			"%s); set source.extract_dir", archive, stem, listing);
	free(stem);
out:
	free(only);
	free(listing);
	return top;
}

/* patch's output, read back from its log file */
static char *read_log(FILE *f)
{
	struct buf b = {0};
	char chunk[4096];
	size_t r;
	rewind(f);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, r);
	return buf_take(&b);
}

static bool apply_patch(const char *srcdir, const char *name, const char *path)
{
	FILE *log = tmpfile();
	if (!log) {
		log_err("cannot create a log file for patch %s: %s", name, strerror(errno));
		return false;
	}
	const char *argv[] = {"patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch",
			      "-i", path, NULL};
	struct proc_opts po = proc_step_opts(srcdir, NULL, fileno(log), 0);
	int status = 0;
	bool ok = proc_run(argv, &po, &status);
	if (ok && status != 0) {
		char *out = read_log(log), *how = proc_describe(status);
		struct buf msg = {0};
		buf_printf(&msg, "patch %s does not apply to %s (patch: %s):", name, srcdir, how);
		for (char *line = out; *line;) {
			size_t len = strcspn(line, "\n");
			buf_printf(&msg, "\n  | %.*s", (int)len, line);
			line += len + (line[len] == '\n');
		}
		log_err("%s", msg.s);
		buf_free(&msg);
		free(how);
		free(out);
		ok = false;
	} else if (ok) {
		log_debug("applied %s", name);
	}
	fclose(log);
	return ok;
}

bool srctree_apply_patches(const char *srcdir, const char *const *patches, size_t n,
			   const char *recipe_dir)
{
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(recipe_dir ? recipe_dir : ".", patches[i]);
		char *abs = realpath(p, NULL);
		bool ok = abs && path_is_file(abs);
		if (!ok)
			log_err("patch %s: %s", p, abs ? "not a file" : strerror(errno));
		else
			ok = apply_patch(srcdir, patches[i], abs);
		free(p);
		free(abs);
		if (!ok)
			return false;
	}
	return true;
}

static bool copy_file(const char *src, const char *dst)
{
	size_t len;
	struct stat st;
	char *data = read_file(src, &len);
	if (!data || stat(src, &st) != 0) {
		log_err("extra file %s: %s", src, strerror(errno));
		free(data);
		return false;
	}
	char *dir = path_dirname(dst);
	bool ok = mkdir_p(dir, 0755) && write_file_atomic(dst, data, len) &&
		  chmod(dst, st.st_mode & 0777) == 0;
	if (!ok)
		log_err("cannot copy %s to %s: %s", src, dst, strerror(errno));
	free(dir);
	free(data);
	return ok;
}

bool srctree_copy_extras(const char *srcdir, const struct srctree_extra *extras, size_t n,
			 const char *recipe_dir)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		char *rel = unpack_normalize(extras[i].dst, &why);
		if (!rel) {
			log_err("extra %s: destination '%s' %s", extras[i].src, extras[i].dst, why);
			return false;
		}
		char *src = path_join(recipe_dir ? recipe_dir : ".", extras[i].src);
		char *dst = path_join(srcdir, rel);
		if (!rel[0] || str_endswith(extras[i].dst, "/") || path_is_dir(dst)) {
			char *in = path_join(dst, path_basename(src));
			free(dst);
			dst = in;
		}
		bool ok = copy_file(src, dst);
		free(rel);
		free(src);
		free(dst);
		if (!ok)
			return false;
	}
	return true;
}

bool srctree_prepare(const char *archive, const char *destdir, const char *extract_dir,
		     const char *const *patches, size_t n_patches,
		     const struct srctree_extra *extras, size_t n_extras, const char *recipe_dir)
{
	if (path_exists(destdir)) {
		log_err("cannot prepare the source of %s: %s already exists", archive, destdir);
		return false;
	}
	char *tmp = unpack_beside(archive, destdir, NULL), *top = NULL;
	if (!tmp)
		return false;
	bool ok = false;
	top = pick_top(archive, tmp, extract_dir);
	if (!top)
		goto out;
	if (!srctree_apply_patches(top, patches, n_patches, recipe_dir))
		goto out;
	if (!srctree_copy_extras(top, extras, n_extras, recipe_dir))
		goto out;
	if (rename(top, destdir) != 0) {
		log_err("cannot move %s to %s: %s", top, destdir, strerror(errno));
		goto out;
	}
	ok = true;
out:
	if (path_exists(tmp))
		remove_temp(tmp);
	free(top);
	free(tmp);
	return ok;
}

/* unpack_* and srctree_* against real archives written by tests/data/extract/make_archives.py.
 * usage: test_extract MAKE_ARCHIVES_PY WORKDIR */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "build/srctree.h"
#include "build/unpack.h"
#include "check.h"

static struct buf logbuf;
static char *work, *arch, *outside, *cases;
static int case_no;

static void sink(enum log_level lvl, const char *msg, void *ctx)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	buf_printf(&logbuf, "%s: %s\n", names[lvl], msg);
	fprintf(stderr, "  [%s] %s\n", names[lvl], msg);
}

static bool log_has(const char *s)
{
	return logbuf.s && strstr(logbuf.s, s);
}

/* number of entries below dir, recursively (not following symlinks) */
static int count_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		char *p = path_join(dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			n += count_tree(p);
		free(p);
	}
	closedir(d);
	return n;
}

/* number of entries directly in dir */
static int count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

/* a fresh directory for one case; the destination inside it */
static char *new_case(char **dir)
{
	*dir = xasprintf("%s/%d", cases, ++case_no);
	mkdir_p(*dir, 0755);
	buf_free(&logbuf);
	return path_join(*dir, "dest");
}

static char *archive(const char *name)
{
	return path_join(arch, name);
}

/* nothing of a failed case may exist: no destination, no temporary tree, nothing outside */
static void check_nothing_written(const char *what, const char *dir)
{
	CHECK(count_tree(dir) == 0, "%s: %d entries left in the case directory", what,
	      count_tree(dir));
	CHECK(count_tree(outside) == 0, "%s: something was written outside", what);
	CHECK(count_dir(cases) == case_no, "%s: something was written beside the case directories",
	      what);
	char *evil = path_join(work, "evil.txt");
	CHECK(!path_exists(evil), "%s: evil.txt escaped", what);
	free(evil);
}

struct hostile {
	const char *archive;
	const char *entry;  /* the message must name it */
	const char *reason; /* and say this */
};

static const struct hostile hostile[] = {
	{"dotdot.tar.gz", "'pkg/../../evil.txt'", "'..'"},
	{"dotdot-deep.tar", "'pkg/a/../../../../evil.txt'", "'..'"},
	{"absolute.tar", "/abs.txt'", "absolute path"},
	{"symlink-out.tar", "'pkg/out'", "outside the destination"},
	{"symlink-abs.tar", "'pkg/out'", "outside the destination"},
	{"symlink-write.tar", "'pkg/d/evil.txt'", "written through the symlink 'pkg/d'"},
	{"symlink-chain.tar", "'pkg/x'", "through other symlinks"},
	{"symlink-replace.tar", "'pkg/f'", "duplicate entry"},
	{"hardlink-out.tar", "'pkg/h'", "'..'"},
	{"hardlink-abs.tar", "'pkg/h'", "absolute path"},
	{"hardlink-missing.tar", "'pkg/h'", "not a file extracted before it"},
	{"device.tar", "'pkg/null'", "character device"},
	{"fifo.tar", "'pkg/pipe'", "FIFO"},
	{"dup.tar", "'pkg/a.txt'", "duplicate entry"},
	{"file-as-dir.tar", "'pkg/a/b.txt'", "written through the file 'pkg/a'"},
	{"nonutf8.tar", "'pkg/caf\\xe9.txt'", "not valid UTF-8"},
	{"control.tar", "'pkg/a\\x1b[2Jb.txt'", "contains control characters"},
	{"huge.tar", "'pkg/huge.bin'", "declares 1000000000000 bytes"},
	{"bomb.zip", "'pkg/zeros.bin'", "decompression bomb"},
	{"zip-dotdot.zip", "'../evil.txt'", "'..'"},
	{"zip-absolute.zip", "/abs.txt'", "absolute path"},
	{"zip-dup.zip", "'pkg/a.txt'", "duplicate entry"},
	{"zip-symlink.zip", "'pkg/link'", "outside the destination"},
	{"zip-nonutf8.zip", "'pkg/a\\xffb.txt'", "not valid UTF-8"},
};

static void test_hostile(void)
{
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		const struct hostile *h = &hostile[i];
		char *dir, *dest = new_case(&dir), *a = archive(h->archive);
		fprintf(stderr, "hostile %s\n", h->archive);
		CHECK(!unpack_archive(a, dest, NULL), "%s was accepted", h->archive);
		CHECK(log_has(h->entry) && log_has(h->reason), "%s: message must name %s and say %s",
		      h->archive, h->entry, h->reason);
		check_nothing_written(h->archive, dir);
		/* the same through the recipe path */
		buf_free(&logbuf);
		CHECK(!srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch),
		      "%s was accepted by srctree_prepare", h->archive);
		CHECK(log_has(h->entry), "%s: prepare_source message must name %s", h->archive,
		      h->entry);
		check_nothing_written(h->archive, dir);
		free(a);
		free(dest);
		free(dir);
	}

	/* limits given by the caller */
	char *dir, *dest = new_case(&dir), *a = archive("bomb.tar.gz");
	struct unpack_limits ratio = {.ratio_floor = 1 << 20};
	CHECK(!unpack_archive(a, dest, &ratio), "tar.gz bomb accepted with a 1 MiB floor");
	CHECK(log_has("'pkg/zeros.bin'") && log_has("decompression bomb"), "tar.gz bomb message");
	check_nothing_written("bomb.tar.gz", dir);
	buf_free(&logbuf);
	struct unpack_limits entry = {.max_entry_size = 1 << 20};
	CHECK(!unpack_archive(a, dest, &entry), "8 MiB entry accepted with a 1 MiB limit");
	CHECK(log_has("'pkg/zeros.bin' declares 8388608 bytes"), "entry size message");
	check_nothing_written("bomb.tar.gz", dir);
	buf_free(&logbuf);
	CHECK(unpack_archive(a, dest, NULL), "an 8 MiB tar.gz is fine under the default limits");
	free(a);
	free(dest);
	dest = path_join(dir, "dest2");
	a = archive("liar.zip");
	buf_free(&logbuf);
	CHECK(!unpack_archive(a, dest, NULL), "a zip understating its size was accepted");
	CHECK(log_has("'pkg/zeros.bin' unpacks to more than the 100 bytes it declares"),
	      "understated size must be caught while unpacking");
	CHECK(!path_exists(dest) && count_tree(dir) == 1 + 2, "leftovers of liar.zip");
	free(a);
	free(dest);
	free(dir);

	dest = new_case(&dir);
	a = archive("good.patch");
	CHECK(!unpack_archive(a, dest, NULL), "a text file is not an archive");
	CHECK(log_has("good.patch"), "bad archive message must name it");
	check_nothing_written("not an archive", dir);
	free(a);
	free(dest);
	free(dir);
}

static char *slurp(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	char *s = read_file(p, NULL);
	free(p);
	return s;
}

static bool same_text(const char *dir, const char *name, const char *want)
{
	char *s = slurp(dir, name);
	bool ok = s && strcmp(s, want) == 0;
	free(s);
	return ok;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	mode_t m = lstat(p, &st) == 0 ? st.st_mode : 0;
	free(p);
	return m;
}

static const char setup_py[] = "from setuptools import setup\nsetup(name='pkg', version='1.0')\n";

static void test_good(void)
{
	static const char *const tars[] = {"pkg-1.0.tar.gz", "pkg-1.0.tar.bz2", "pkg-1.0.tar.xz"};
	for (size_t i = 0; i < ARRAY_LEN(tars); i++) {
		char *dir, *dest = new_case(&dir), *a = archive(tars[i]);
		CHECK(srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch), "%s failed",
		      tars[i]);
		CHECK(same_text(dest, "setup.py", setup_py), "%s: setup.py", tars[i]);
		CHECK(same_text(dest, "src/mod.c", "int answer(void) { return 42; }\n"), "%s: mod.c",
		      tars[i]);
		CHECK(same_text(dest, "caf\xc3\xa9.txt", "utf-8 name\n"), "%s: UTF-8 name", tars[i]);
		CHECK(mode_of(dest, "run.sh") & 0100, "%s: executable bit lost", tars[i]);
		CHECK((mode_of(dest, "src/mod.c") & 0600) == 0600, "%s: read-only file kept read-only",
		      tars[i]);
		CHECK((mode_of(dest, "src") & 0700) == 0700, "%s: read-only directory", tars[i]);
		CHECK(S_ISLNK(mode_of(dest, "link.py")) && same_text(dest, "link.py", setup_py),
		      "%s: symlink inside the tree", tars[i]);
		CHECK(S_ISLNK(mode_of(dest, "src/up.py")) && same_text(dest, "src/up.py", setup_py),
		      "%s: symlink to the parent directory", tars[i]);
		CHECK(same_text(dest, "hard.c", "int answer(void) { return 42; }\n"),
		      "%s: hard link inside the tree", tars[i]);
		CHECK(count_tree(dir) == 1 + 8, "%s: %d entries, want the tree only", tars[i],
		      count_tree(dir));
		free(a);
		free(dest);
		free(dir);
	}

	char *dir, *dest = new_case(&dir), *a = archive("pkg-1.0.zip");
	CHECK(srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch), "zip failed");
	CHECK(same_text(dest, "setup.py", setup_py) && same_text(dest, "caf\xc3\xa9.txt",
								 "utf-8 name\n"),
	      "zip contents");
	free(a);
	free(dest);
	free(dir);

	/* unpack_archive keeps the top directory */
	dest = new_case(&dir);
	a = archive("pkg-1.0.tar.gz");
	CHECK(unpack_archive(a, dest, NULL), "unpack_archive failed");
	CHECK(same_text(dest, "pkg-1.0/setup.py", setup_py), "unpack_archive keeps the top dir");
	buf_free(&logbuf);
	CHECK(!unpack_archive(a, dest, NULL), "extracting over an existing directory");
	CHECK(log_has("already exists"), "existing destination message");
	free(a);
	free(dest);
	free(dir);

	/* the single top directory when it is not the stem; an explicit extract_dir */
	dest = new_case(&dir);
	a = archive("renamed-2.0.tar.gz");
	CHECK(srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch), "single top dir");
	CHECK(same_text(dest, "setup.py", setup_py), "single top dir contents");
	free(dest);
	dest = path_join(dir, "dest2");
	CHECK(srctree_prepare(a, dest, "Other_Name-2.0", NULL, 0, NULL, 0, arch),
	      "explicit extract_dir");
	CHECK(same_text(dest, "setup.py", setup_py), "explicit extract_dir contents");
	free(dest);
	dest = path_join(dir, "dest3");
	buf_free(&logbuf);
	CHECK(!srctree_prepare(a, dest, "nope", NULL, 0, NULL, 0, arch), "missing extract_dir");
	CHECK(log_has("extract_dir 'nope'") && log_has("Other_Name-2.0/"),
	      "missing extract_dir message must list the top level");
	CHECK(!path_exists(dest), "no destination after a failure");
	CHECK(!srctree_prepare(a, dest, "../x", NULL, 0, NULL, 0, arch), "extract_dir with ..");
	CHECK(count_tree(dir) == 2 * (1 + 8), "failed attempts left files behind (%d)",
	      count_tree(dir));
	free(a);
	free(dest);
	free(dir);

	/* several top directories: an error unless extract_dir names one */
	dest = new_case(&dir);
	a = archive("multi.tar.gz");
	CHECK(!srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch), "ambiguous top");
	CHECK(log_has("'multi'") && log_has("a/, b/") && log_has("source.extract_dir"),
	      "ambiguous top message");
	check_nothing_written("multi", dir);
	CHECK(srctree_prepare(a, dest, "b", NULL, 0, NULL, 0, arch), "extract_dir b");
	CHECK(same_text(dest, "setup.py", setup_py), "extract_dir b contents");
	free(a);
	free(dest);
	free(dir);

	/* no top directory: "." takes the whole archive */
	dest = new_case(&dir);
	a = archive("flat.zip");
	CHECK(!srctree_prepare(a, dest, NULL, NULL, 0, NULL, 0, arch), "flat zip, no top");
	check_nothing_written("flat", dir);
	CHECK(srctree_prepare(a, dest, ".", NULL, 0, NULL, 0, arch), "flat zip with '.'");
	CHECK(same_text(dest, "setup.py", setup_py), "flat zip contents");
	free(a);
	free(dest);
	free(dir);

	static const struct {
		const char *in, *out;
	} stems[] = {
		{"a/b/numpy-1.26.4.tar.gz", "numpy-1.26.4"}, {"x-1.0.tgz", "x-1.0"},
		{"x-1.0.tar.bz2", "x-1.0"}, {"x-1.0.tar.xz", "x-1.0"}, {"x-1.0.zip", "x-1.0"},
		{"x-1.0.tar", "x-1.0"}, {"x-1.0.tar.zst", "x-1.0"}, {"plain", "plain"},
	};
	for (size_t i = 0; i < ARRAY_LEN(stems); i++) {
		char *s = srctree_archive_stem(stems[i].in);
		CHECK(strcmp(s, stems[i].out) == 0, "stem of %s: %s", stems[i].in, s);
		free(s);
	}
}

static void test_patches(void)
{
	char *dir, *dest = new_case(&dir), *a = archive("pkg-1.0.tar.gz");
	const char *two[] = {"good.patch", "second.patch"};
	const struct srctree_extra extras[] = {
		{"extra.txt", "docs/"},
		{"extra.txt", "renamed.txt"},
		{"extra.txt", "src"},
	};
	CHECK(srctree_prepare(a, dest, NULL, two, 2, extras, 3, arch), "patches and extras");
	char *s = slurp(dest, "setup.py");
	CHECK(s && strstr(s, "# patched by kiln"), "first patch not applied");
	free(s);
	CHECK(same_text(dest, "src/mod.c", "int answer(void) { return 43; }\n"),
	      "second patch not applied");
	CHECK(same_text(dest, "docs/extra.txt", "extra\n") &&
		      same_text(dest, "renamed.txt", "extra\n") &&
		      same_text(dest, "src/extra.txt", "extra\n"),
	      "extras not copied");
	CHECK(count_tree(dir) == 1 + 8 + 4, "%d entries: patch left backups or rejects",
	      count_tree(dir));
	free(dest);

	/* a patch that does not apply: named, patch's output shown, nothing left */
	dest = path_join(dir, "dest2");
	const char *bad[] = {"good.patch", "bad.patch"};
	buf_free(&logbuf);
	CHECK(!srctree_prepare(a, dest, NULL, bad, 2, NULL, 0, arch), "bad patch applied");
	CHECK(log_has("patch bad.patch does not apply") && log_has("| ") && log_has("FAILED"),
	      "bad patch message must name it and show patch's output");
	CHECK(!path_exists(dest), "destination after a failed patch");
	CHECK(count_tree(dir) == 1 + 8 + 4, "a failed patch left files behind");

	const char *missing[] = {"missing.patch"};
	buf_free(&logbuf);
	CHECK(!srctree_prepare(a, dest, NULL, missing, 1, NULL, 0, arch), "missing patch");
	CHECK(log_has("missing.patch"), "missing patch message");

	const struct srctree_extra escape[] = {{"extra.txt", "../escape.txt"}};
	buf_free(&logbuf);
	CHECK(!srctree_prepare(a, dest, NULL, NULL, 0, escape, 1, arch), "extra escaping");
	CHECK(log_has("'../escape.txt'"), "escaping extra message");
	const struct srctree_extra nosrc[] = {{"nothing.txt", "x.txt"}};
	CHECK(!srctree_prepare(a, dest, NULL, NULL, 0, nosrc, 1, arch), "missing extra");
	CHECK(!path_exists(dest), "destination after a failed extra");
	CHECK(count_tree(dir) == 1 + 8 + 4, "a failed extra left files behind");
	CHECK(count_tree(outside) == 0, "something was written outside");
	free(a);
	free(dest);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_extract MAKE_ARCHIVES_PY WORKDIR\n");
		return 2;
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	work = xstrdup(argv[2]);
	char *rm = xasprintf("rm -rf '%s'", work);
	if (system(rm) != 0)
		return 1;
	arch = path_join(work, "archives");
	outside = path_join(work, "outside");
	cases = path_join(work, "cases");
	mkdir_p(outside, 0755);
	mkdir_p(cases, 0755);
	char *gen = xasprintf("'%s' '%s' '%s' '%s'", config_host_python(), argv[1], arch, outside);
	if (system(gen) != 0) {
		fprintf(stderr, "cannot make the test archives\n");
		return 1;
	}
	log_set_sink(sink, NULL);
	log_set_level(LOG_DEBUG);

	test_hostile();
	test_good();
	test_patches();

	fprintf(stderr, "%d checks, %d failed\n", checks, failures);
	buf_free(&logbuf);
	free(gen);
	free(rm);
	free(arch);
	free(outside);
	free(cases);
	free(work);
	return failures ? 1 : 0;
}

/* pyheaders: a target Python's headers from Debian's libpython3.X-dev through the real apt
 * (the trixie and sid suites ci/setup adds) and the real archive: fetched, verified,
 * unpacked and reused for 3.13; a tampered .deb refused and deleted; headers of the wrong
 * minor refused (in a .deb rebuilt by dpkg-deb and in the cache); hostile look-alikes
 * refused; 3.12 refused with its reason. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "check.h"
#include "toolchain/debpkg.h"
#include "toolchain/pyheaders.h"

static char *work;
static struct buf logged;

static void sink(enum log_level lvl, const char *msg, void *ctx)
{
	(void)ctx;
	if (lvl == LOG_ERROR)
		buf_printf(&logged, "%s\n", msg);
}

static const char *take_log(void)
{
	static char *last;
	free(last);
	last = buf_take(&logged);
	return last;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* run argv with stdin text (NULL: none), stdout and stderr into out and err; its exit code,
 * -1 when it did not exit */
static int run(const char *const *argv, const char *in, struct buf *out, struct buf *err)
{
	struct proc_opts o = {
		.in = in ? (struct proc_stream){PROC_PIPE, .text = in} : (struct proc_stream){PROC_NULL},
		.out = {PROC_PIPE, .buf = out},
		.err = {PROC_PIPE, .buf = err},
	};
	int st = 0;
	if (!proc_run(argv, &o, &st))
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* run a shell command line; its exit code */
static int sh(const char *cmd)
{
	const char *argv[] = {"sh", "-c", cmd, NULL};
	struct buf err = {0};
	int st = run(argv, NULL, NULL, &err);
	if (st != 0)
		fprintf(stderr, "%s: exit %d: %s", cmd, st, err.s ? err.s : "");
	buf_free(&err);
	return st;
}

/* sh() of a formatted command line */
static int shf(const char *fmt, ...) KILN_PRINTF(1, 2);
static int shf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	int r = sh(b.s);
	buf_free(&b);
	return r;
}

/* no entry and no temporary directory of 3.minor under cache */
static bool nothing_left(const char *cache, int minor)
{
	return shf("test -z \"$(ls -A '%s' 2>/dev/null | grep -F 'python3.%d')\"", cache,
		minor) == 0;
}

static void test_refuse_12(const char *cache)
{
	struct pyheaders h;
	CHECK(!pyheaders_get(12, cache, &h), "3.12 headers were found");
	const char *msg = take_log();
	CHECK(msg && strstr(msg, "libpython3.12-dev") && strstr(msg, "--python-include"),
		"3.12's refusal: %s", msg);
	CHECK(nothing_left(cache, 12), "a 3.12 entry or temporary directory was left");
	CHECK(h.dir == NULL && h.include_dir == NULL, "a refused get filled its result");
}

/* the preprocessor's PY_MINOR_VERSION through Python.h, -1 if none */
static int py_minor(const struct pyheaders *h)
{
	char *inc = xasprintf("-I%s", h->include_dir);
	char *top = xasprintf("-I%s/include", h->dir);
	const char *argv[] = {"cc", "-E", "-dM", inc, top, "-x", "c", "-", NULL};
	struct buf out = {0}, err = {0};
	int minor = -1;
	if (run(argv, "#include <Python.h>\n", &out, &err) == 0 && out.s) {
		const char *d = strstr(out.s, "#define PY_MINOR_VERSION ");
		if (d)
			minor = atoi(d + strlen("#define PY_MINOR_VERSION "));
	} else {
		fprintf(stderr, "cc -E Python.h: %s\n", err.s ? err.s : "");
	}
	buf_free(&out);
	buf_free(&err);
	free(inc);
	free(top);
	return minor;
}

static void test_get_13(const char *cache, char sha[65])
{
	struct pyheaders h;
	double t0 = now_s();
	bool ok = pyheaders_get(13, cache, &h);
	CHECK(ok, "3.13 headers: %s", take_log());
	if (!ok)
		return;
	fprintf(stderr, "fetched %s %s (%s) in %.2fs\n", h.include_dir, h.version, h.sha256,
		now_s() - t0);
	CHECK(h.fetched, "the first get did not fetch");
	CHECK(py_minor(&h) == 13, "Python.h's PY_MINOR_VERSION is not 13");
	CHECK(h.pyconfig && path_is_file(h.pyconfig), "no multiarch pyconfig.h: %s", h.pyconfig);
	CHECK(shf("! ls -A '%s' | grep -q '^\\.tmp'", cache) == 0,
		"a temporary directory was left in %s", cache);
	memcpy(sha, h.sha256, 65);
	pyheaders_free(&h);

	t0 = now_s();
	ok = pyheaders_get(13, cache, &h);
	double t = now_s() - t0;
	CHECK(ok && !h.fetched && strcmp(h.sha256, sha) == 0, "the cache was not reused: %s",
		take_log());
	CHECK(t < 1.0, "reusing the cache took %.2fs", t);
	pyheaders_free(&h);
}

/* a copy of the entry with patchlevel.h saying 3.12 is refused */
static void test_wrong_minor_cached(const char *cache)
{
	char *bad = path_join(work, "cache-bad");
	char *cmd = xasprintf("rm -rf '%s' && mkdir -p '%s' && cp -a '%s/python3.13' '%s/' && "
		"sed -i 's/^#define PY_MINOR_VERSION.*/#define PY_MINOR_VERSION 12/' "
		"'%s/python3.13/include/python3.13/patchlevel.h'", bad, bad, cache, bad, bad);
	CHECK(sh(cmd) == 0, "cannot make the bad cache");
	struct pyheaders h;
	CHECK(!pyheaders_get(13, bad, &h), "headers of 3.12 taken for 3.13");
	const char *msg = take_log();
	CHECK(msg && strstr(msg, "the headers of Python 3.12, not 3.13"), "message: %s", msg);
	free(cmd);
	free(bad);
}

/* the value of KEY= in text, newly allocated */
static char *value_of(const char *text, const char *key)
{
	char *k = xasprintf("\n%s=", key);
	const char *v = strstr(text, k);
	free(k);
	if (!v)
		return NULL;
	v += strlen(key) + 2;
	return xstrndup(v, strcspn(v, "\n"));
}

/* apt's record of the .deb as the cache entry keeps it (saves an apt-cache run) */
static bool record_of(const char *cache, struct debpkg *deb)
{
	char *src = xasprintf("%s/python3.13/source", cache);
	char *text = read_file(src, NULL);
	char *nl = text ? xasprintf("\n%s", text) : NULL;
	char *sha = nl ? value_of(nl, "sha256") : NULL;
	if (nl) {
		deb->package = value_of(nl, "package");
		deb->version = value_of(nl, "version");
		deb->filename = value_of(nl, "filename");
	}
	bool ok = deb->package && deb->version && deb->filename && sha && strlen(sha) == 64;
	if (ok)
		memcpy(deb->sha256, sha, 65);
	free(sha);
	free(nl);
	free(text);
	free(src);
	return ok;
}

/* the .deb itself: verified, a tampered copy refused and deleted, unpacked as the wrong
 * minor, and rebuilt with the wrong minor inside */
static void test_deb(const char *cache)
{
	struct debpkg deb = {0};
	char *dl = path_join(work, "dl");
	char *path = NULL;
	mkdir_p(dl, 0755);
	if (!record_of(cache, &deb)) {
		CHECK(false, "no record in the cache entry's source file");
		goto out;
	}
	path = debpkg_download(&deb, dl);
	CHECK(path, "download: %s", take_log());
	if (!path)
		goto out;
	CHECK(debpkg_verify(path, &deb) && path_is_file(path), "a good .deb refused");

	char *bad = path_join(dl, "tampered.deb");
	char *cmd = xasprintf("cp '%s' '%s' && n=$(($(stat -c %%s '%s') / 2)) && "
		"b=$(od -An -tu1 -j$n -N1 '%s' | tr -d ' ') && "
		"printf \"$(printf '\\\\%%03o' $(( (b + 1) %% 256 )))\" | "
		"dd of='%s' bs=1 seek=$n conv=notrunc status=none", path, bad, bad, bad, bad);
	CHECK(sh(cmd) == 0, "cannot make the tampered copy");
	CHECK(shf("! cmp -s '%s' '%s'", path, bad) == 0, "the copy is not changed");
	CHECK(!debpkg_verify(bad, &deb), "a tampered .deb verified");
	const char *msg = take_log();
	CHECK(msg && strstr(msg, "SHA-256") && strstr(msg, "deleted"), "message: %s", msg);
	CHECK(!path_exists(bad), "the tampered .deb was not deleted");
	free(cmd);

	char *dest = path_join(work, "unpack-14");
	CHECK(!pyheaders_unpack(path, 14, dest, NULL), "3.13's .deb unpacked as 3.14");
	msg = take_log();
	CHECK(msg && strstr(msg, "no usr/include/python3.14/"), "message: %s", msg);
	free(dest);

	char *re = path_join(work, "rebuilt");
	char *fake = path_join(work, "fake-3.12-in-3.13.deb");
	cmd = xasprintf("rm -rf '%s' && dpkg-deb -R '%s' '%s' && "
		"sed -i 's/^#define PY_MINOR_VERSION.*/#define PY_MINOR_VERSION 12/' "
		"'%s/usr/include/python3.13/patchlevel.h' && "
		"dpkg-deb -Zgzip -z1 -b '%s' '%s' >/dev/null", re, path, re, re, re, fake);
	CHECK(sh(cmd) == 0, "cannot rebuild the .deb");
	dest = path_join(work, "unpack-fake");
	CHECK(!pyheaders_unpack(fake, 13, dest, NULL), "a .deb with 3.12's patchlevel.h taken");
	msg = take_log();
	CHECK(msg && strstr(msg, "the headers of Python 3.12, not 3.13"), "message: %s", msg);
	free(dest);
	free(cmd);
	free(fake);
	free(re);
	free(bad);
out:
	free(path);
	free(dl);
	debpkg_free(&deb);
}

/* the look-alikes of tests/data/pyheaders/make_debs.py: each refused with its reason, and
 * nothing written outside the destination */
static void test_hostile(const char *script)
{
	char *dir = path_join(work, "hostile");
	mkdir_p(dir, 0755);
	const char *argv[] = {"/usr/bin/python3", script, dir, NULL};
	struct buf err = {0};
	CHECK(run(argv, NULL, NULL, &err) == 0, "%s: %s", script, err.s);
	buf_free(&err);
	char *list = path_join(dir, "cases");
	char *text = read_file(list, NULL);
	size_t n = 0;
	for (char *l = text; l && *l; n++) {
		char *nl = strchr(l, '\n'), *tab = strchr(l, '\t');
		if (!nl || !tab || tab > nl)
			break;
		*nl = *tab = '\0';
		char *deb = path_join(dir, l);
		char *dest = xasprintf("%s/out/%s", dir, l);
		CHECK(!pyheaders_unpack(deb, 13, dest, NULL), "%s was unpacked", l);
		const char *msg = take_log();
		CHECK(msg && strstr(msg, tab + 1), "%s: expected \"%s\", got: %s", l, tab + 1, msg);
		free(dest);
		free(deb);
		l = nl + 1;
	}
	CHECK(n >= 8, "only %zu cases in %s", n, list);
	CHECK(shf("test -z \"$(find '%s' -name escaped.h)\" && ! test -e '%s/out/escaped.h'",
		work, dir) == 0, "a file was written outside its destination");
	free(text);
	free(list);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_pyheaders MAKE_DEBS_PY WORKDIR\n");
		return 2;
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	work = xstrdup(argv[2]);
	remove_tree(work);
	mkdir_p(work, 0755);
	char *cache = path_join(work, "cache");
	log_set_sink(sink, NULL);
	char sha[65] = "";
	double t0 = now_s();
	test_hostile(argv[1]);
	fprintf(stderr, "== hostile .debs: %.2fs\n", now_s() - t0);
	t0 = now_s();
	test_refuse_12(cache);
	fprintf(stderr, "== refuse 3.12: %.2fs\n", now_s() - t0);
	t0 = now_s();
	test_get_13(cache, sha);
	fprintf(stderr, "== get 3.13: %.2fs\n", now_s() - t0);
	if (sha[0]) {
		t0 = now_s();
		test_wrong_minor_cached(cache);
		test_deb(cache);
		fprintf(stderr, "== .deb checks: %.2fs\n", now_s() - t0);
	}
	fprintf(stderr, "%d checks, %d failures\n", checks, failures);
	free(cache);
	free(work);
	return failures ? 1 : 0;
}

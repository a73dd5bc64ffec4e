/* fetch_all() against a real HTTP server (tests/data/fetch/server.py) on 127.0.0.1.
 * usage: test_fetch SERVER_PY WORKDIR */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/util.h"
#include "build/fetch.h"
#include "build/index.h"
#include "check.h"

static struct buf logbuf;
static char *work, *srvdir, *cache, *base;
static pid_t server;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sink(enum log_level lvl, const char *msg, void *ctx)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	buf_printf(&logbuf, "%s: %s\n", names[lvl], msg);
	fprintf(stderr, "  %.2f [%s] %s\n", now_s(), names[lvl], msg);
}


/* a file of n pseudo-random bytes in the server directory; its sha256 into sha */
static void make_file(const char *name, size_t n, unsigned seed, char sha[65])
{
	unsigned char *d = xmalloc(n);
	unsigned x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (unsigned char)(x >> 16);
	}
	char *p = path_join(srvdir, name);
	if (!write_file_atomic(p, d, n)) {
		perror(p);
		exit(1);
	}
	hash_sha256_hex(d, n, sha);
	free(p);
	free(d);
}

static size_t collect(char *data, size_t size, size_t nmemb, void *ctx)
{
	buf_add(ctx, data, size * nmemb);
	return size * nmemb;
}

static struct buf http_get(const char *path)
{
	struct buf b = {0};
	char *url = xasprintf("%s%s", base, path);
	CURL *e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(e) != CURLE_OK) {
		fprintf(stderr, "cannot reach the test server at %s\n", url);
		exit(1);
	}
	curl_easy_cleanup(e);
	free(url);
	return b;
}

/* how many requests the server saw for path */
static int requests(const char *path)
{
	struct buf b = http_get("/stats");
	cJSON *j = cJSON_Parse(b.s);
	cJSON *n = cJSON_GetObjectItemCaseSensitive(j, path);
	int r = cJSON_IsNumber(n) ? n->valueint : 0;
	cJSON_Delete(j);
	buf_free(&b);
	return r;
}

static void start_server(const char *script)
{
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		exit(1);
	}
	server = fork();
	if (server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(config_host_python(), config_host_python(), script, srvdir, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	int port = 0;
	if (!f || fscanf(f, "PORT %d", &port) != 1) {
		fprintf(stderr, "the test server did not start\n");
		exit(1);
	}
	fclose(f);
	base = xasprintf("http://127.0.0.1:%d", port);
}

static char *url(const char *mode, const char *name)
{
	return xasprintf("%s/%s/%s", base, mode, name);
}

/* every file under dir; fails the test on partial downloads, counts finals */
static void scan_cache(const char *dir, int *parts, int *files)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = path_join(dir, e->d_name);
		if (path_is_dir(p))
			scan_cache(p, parts, files);
		else if (strstr(e->d_name, ".part"))
			(*parts)++;
		else if (strcmp(e->d_name, ".lock") != 0)
			(*files)++;
		free(p);
	}
	closedir(d);
}

static void check_no_partials(const char *what)
{
	int parts = 0, files = 0;
	scan_cache(cache, &parts, &files);
	CHECK(parts == 0, "%s: %d partial downloads left in the cache", what, parts);
}

static bool log_has(const char *s)
{
	return logbuf.s && strstr(logbuf.s, s);
}

static bool fetch_one(const char *u, const char *name, const char *sha, struct fetch_opts *o,
		      struct fetch_item *it)
{
	memset(it, 0, sizeof(*it));
	it->url = u;
	it->file_name = name;
	it->sha256 = sha;
	buf_free(&logbuf);
	return fetch_all(it, 1, o);
}

static bool file_has_sha(const char *p, const char *sha)
{
	char got[65];
	return p && hash_sha256_file(p, got) && strcmp(got, sha) == 0;
}

static void test_basic(void)
{
	char sha[65];
	make_file("a.tar.gz", 300000, 1, sha);
	struct fetch_opts o = {.cache_dir = cache};
	struct fetch_item it;
	char *u = url("files", "a.tar.gz");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "plain download failed");
	char *want = xasprintf("%s/sources/%s/a.tar.gz", cache, sha);
	CHECK(it.path && strcmp(it.path, want) == 0, "path %s, want %s", it.path, want);
	CHECK(file_has_sha(it.path, sha), "cached file has the wrong digest");
	CHECK(requests("/files/a.tar.gz") == 1, "one request expected");
	fetch_item_clear(&it);

	CHECK(fetch_one(u, NULL, sha, &o, &it), "cache hit failed");
	CHECK(requests("/files/a.tar.gz") == 1, "a cache hit must not touch the network (%d)",
	      requests("/files/a.tar.gz"));
	fetch_item_clear(&it);

	/* a cache hit needs no URL at all */
	CHECK(fetch_one(NULL, "a.tar.gz", sha, &o, &it), "cache hit without URL failed");
	fetch_item_clear(&it);

	/* a corrupted cache entry is detected and fetched again */
	write_file_atomic(want, "garbage", 7);
	CHECK(fetch_one(u, NULL, sha, &o, &it), "refetch of a corrupt entry failed");
	CHECK(log_has("corrupt"), "corruption not reported");
	CHECK(file_has_sha(it.path, sha), "refetched file has the wrong digest");
	CHECK(requests("/files/a.tar.gz") == 2, "corrupt entry not fetched again");
	fetch_item_clear(&it);

	/* the file name defaults to the URL's last component, without query */
	char *q = xasprintf("%s?x=1#frag", u);
	CHECK(fetch_one(q, NULL, sha, &o, &it) && str_endswith(it.path, "/a.tar.gz"),
	      "query string in the file name: %s", it.path);
	fetch_item_clear(&it);
	free(q);

	/* percent escapes in the URL are decoded for the file name, and escaped again for mirrors */
	make_file("b+c 1.tar.gz", 1000, 11, sha);
	char *plus = url("files", "b%2Bc%201.tar.gz");
	CHECK(fetch_one(plus, NULL, sha, &o, &it) && str_endswith(it.path, "/b+c 1.tar.gz"),
	      "escaped URL file name: %s", it.path);
	fetch_item_clear(&it);
	char *mirror = xasprintf("%s/files", base);
	const char *m[] = {mirror};
	char *cache2 = path_join(work, "cache2");
	struct fetch_opts om = {.cache_dir = cache2, .mirrors = m, .n_mirrors = 1};
	CHECK(fetch_one(NULL, "b+c 1.tar.gz", sha, &om, &it), "escaped name on a mirror");
	CHECK(requests("/files/b%2Bc%201.tar.gz") == 2, "mirror URL not escaped");
	fetch_item_clear(&it);
	free(cache2);
	free(mirror);
	free(plus);
	free(want);
	free(u);
}

static void test_retries(void)
{
	char sha[65];
	make_file("flaky.zip", 5000, 2, sha);
	struct fetch_opts o = {.cache_dir = cache, .backoff_ms = 50, .tries = 3};
	struct fetch_item it;
	char *u = url("flaky", "flaky.zip");
	double t0 = now_s();
	CHECK(fetch_one(u, NULL, sha, &o, &it), "500, 500, 200 must succeed with 3 tries");
	double dt = now_s() - t0;
	CHECK(requests("/flaky/flaky.zip") == 3, "3 requests expected, got %d",
	      requests("/flaky/flaky.zip"));
	CHECK(dt >= 0.14, "back-off of 50+100 ms not respected (%.3fs)", dt);
	CHECK(log_has("HTTP 500"), "retried error not logged");
	CHECK(file_has_sha(it.path, sha), "wrong digest after retries");
	fetch_item_clear(&it);
	free(u);

	make_file("flaky2.zip", 5000, 3, sha);
	o.tries = 2;
	u = url("flaky", "flaky2.zip");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "500, 500 must fail with 2 tries");
	CHECK(it.error && strstr(it.error, u) && strstr(it.error, "HTTP 500"),
	      "error must name the URL and the status: %s", it.error);
	CHECK(requests("/flaky/flaky2.zip") == 2, "2 requests expected");
	check_no_partials("flaky");
	fetch_item_clear(&it);
	free(u);
}

static void test_errors(void)
{
	char sha[65], bad[65];
	make_file("e.tar.xz", 40000, 4, sha);
	struct fetch_opts o = {.cache_dir = cache, .backoff_ms = 20, .tries = 3, .stall_timeout = 1,
			       .max_redirects = 5};
	struct fetch_item it;
	char *final = xasprintf("%s/sources/%s/e.tar.xz", cache, sha);

	char *u = url("404", "e.tar.xz");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "404 must fail");
	CHECK(it.error && strstr(it.error, u) && strstr(it.error, "HTTP 404"), "404 error: %s",
	      it.error);
	CHECK(requests("/404/e.tar.xz") == 1, "a 404 is not retried (%d)", requests("/404/e.tar.xz"));
	CHECK(!path_exists(final), "nothing may appear under the final name");
	fetch_item_clear(&it);
	free(u);

	/* wrong bytes: both digests named, download deleted, no retry */
	u = url("wrong", "e.tar.xz");
	{
		size_t n;
		char *p = path_join(srvdir, "e.tar.xz");
		unsigned char *d = (unsigned char *)read_file(p, &n);
		for (size_t i = 0; i < n; i++)
			d[i] ^= 0x55;
		hash_sha256_hex(d, n, bad);
		free(d);
		free(p);
	}
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "wrong bytes must fail");
	CHECK(it.error && strstr(it.error, u) && strstr(it.error, sha) && strstr(it.error, bad),
	      "mismatch must name the URL and both digests: %s", it.error);
	CHECK(log_has("download deleted"), "mismatch must say the download was deleted");
	CHECK(requests("/wrong/e.tar.xz") == 1, "a mismatch is not retried on the same source");
	CHECK(!path_exists(final), "a mismatching file must not be kept");
	check_no_partials("wrong bytes");
	fetch_item_clear(&it);
	free(u);

	u = url("truncated", "e.tar.xz");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "truncated body must fail");
	CHECK(it.error && strstr(it.error, u), "truncation error must name the URL: %s", it.error);
	CHECK(requests("/truncated/e.tar.xz") == 3, "truncation is retried (%d requests)",
	      requests("/truncated/e.tar.xz"));
	CHECK(!path_exists(final), "a truncated file must not be kept");
	check_no_partials("truncated");
	fetch_item_clear(&it);
	free(u);

	o.tries = 1;
	u = url("stall", "e.tar.xz");
	double t0 = now_s();
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "stalled transfer must fail");
	double dt = now_s() - t0;
	CHECK(dt >= 1 && dt < 4, "stall of 1s detected after %.1fs", dt);
	CHECK(it.error && strstr(it.error, u) && strstr(it.error, "stalled: no data for 1 s after 20000 bytes"),
	      "stall error must name the URL and the reason: %s", it.error);
	CHECK(!path_exists(final), "a stalled file must not be kept");
	check_no_partials("stall");
	fetch_item_clear(&it);
	free(u);

	u = url("loop", "e.tar.xz");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "redirect loop must fail");
	CHECK(it.error && strstr(it.error, u) && strstr(it.error, "redirects"),
	      "redirect loop error: %s", it.error);
	CHECK(requests("/loop/e.tar.xz") == 6, "5 redirects then stop (%d)",
	      requests("/loop/e.tar.xz"));
	fetch_item_clear(&it);
	free(u);

	u = xasprintf("http://127.0.0.1:1/e.tar.xz");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "connection refused must fail");
	CHECK(it.error && strstr(it.error, u), "connection error must name the URL: %s", it.error);
	fetch_item_clear(&it);
	free(u);

	u = url("redirect", "e.tar.xz");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "a redirect must be followed");
	CHECK(requests("/files/e.tar.xz") == 1, "redirect target fetched once");
	fetch_item_clear(&it);
	free(u);

	CHECK(!fetch_one("http://x/y.tgz", NULL, "abc", &o, &it), "bad sha256 accepted");
	CHECK(it.error && strstr(it.error, "64 hex"), "bad sha256 error: %s", it.error);
	fetch_item_clear(&it);
	CHECK(!fetch_one("http://x/y.tgz", "../y.tgz", sha, &o, &it), "bad file name accepted");
	fetch_item_clear(&it);
	free(final);
}

static void test_mirrors(void)
{
	char sha[65];
	struct fetch_item it;
	char *mdir = path_join(work, "mirror"), *empty = path_join(work, "empty");
	mkdir_p(mdir, 0755);
	mkdir_p(empty, 0755);

	/* a directory mirror: the URL is never asked */
	make_file("d.tar.bz2", 10000, 5, sha);
	char *src = path_join(srvdir, "d.tar.bz2"), *dst = path_join(mdir, "d.tar.bz2");
	size_t n;
	char *data = read_file(src, &n);
	write_file_atomic(dst, data, n);
	free(data);
	const char *m1[] = {empty, mdir};
	struct fetch_opts o = {.cache_dir = cache, .mirrors = m1, .n_mirrors = 2, .backoff_ms = 20};
	char *u = url("files", "d.tar.bz2");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "directory mirror failed");
	CHECK(requests("/files/d.tar.bz2") == 0, "the URL was asked despite a mirror hit");
	CHECK(file_has_sha(it.path, sha), "mirror copy digest");
	fetch_item_clear(&it);
	free(u);

	/* file:// mirror */
	make_file("d2.zip", 1000, 6, sha);
	free(src);
	free(dst);
	src = path_join(srvdir, "d2.zip");
	dst = path_join(mdir, "d2.zip");
	data = read_file(src, &n);
	write_file_atomic(dst, data, n);
	free(data);
	char *fm = xasprintf("file://%s", mdir);
	const char *m2[] = {fm};
	o.mirrors = m2;
	o.n_mirrors = 1;
	u = url("files", "d2.zip");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "file:// mirror failed");
	CHECK(requests("/files/d2.zip") == 0, "the URL was asked despite a file:// mirror hit");
	fetch_item_clear(&it);
	free(u);

	/* mirrors in order: empty dir, HTTP mirror without the file, HTTP mirror with it */
	make_file("f.tgz", 2000, 7, sha);
	char *h404 = xasprintf("%s/404/", base), *hok = xasprintf("%s/files", base);
	const char *m3[] = {empty, h404, hok};
	o.mirrors = m3;
	o.n_mirrors = 3;
	u = url("never", "f.tgz");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "HTTP mirror failed");
	CHECK(requests("/404/f.tgz") == 1 && requests("/files/f.tgz") == 1 &&
		      requests("/never/f.tgz") == 0,
	      "mirror order: 404 %d, files %d, url %d", requests("/404/f.tgz"),
	      requests("/files/f.tgz"), requests("/never/f.tgz"));
	fetch_item_clear(&it);
	free(u);

	/* no mirror has it: the URL */
	make_file("g.tgz", 2000, 8, sha);
	o.n_mirrors = 2;
	u = url("files", "g.tgz");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "fallback to the URL failed");
	CHECK(requests("/404/g.tgz") == 1 && requests("/files/g.tgz") == 1, "fallback order");
	fetch_item_clear(&it);
	free(u);

	/* a mirror with wrong bytes: reported with both digests, then the URL */
	make_file("h.tgz", 2000, 9, sha);
	char *hw = xasprintf("%s/wrong", base);
	const char *m4[] = {hw};
	o.mirrors = m4;
	o.n_mirrors = 1;
	u = url("files", "h.tgz");
	CHECK(fetch_one(u, NULL, sha, &o, &it), "fallback after a bad mirror failed");
	CHECK(log_has("sha256 mismatch") && log_has(sha), "bad mirror not reported");
	CHECK(file_has_sha(it.path, sha), "digest after fallback");
	fetch_item_clear(&it);
	free(u);

	/* a mirror failing with 500 after every try: the URL */
	make_file("j.tgz", 2000, 12, sha);
	char *hf = xasprintf("%s/flaky", base);
	const char *m5[] = {hf};
	struct fetch_opts o5 = {.cache_dir = cache, .mirrors = m5, .n_mirrors = 1, .tries = 2,
				.backoff_ms = 10};
	u = url("files", "j.tgz");
	CHECK(fetch_one(u, NULL, sha, &o5, &it), "fallback after a failing mirror");
	CHECK(requests("/flaky/j.tgz") == 2 && requests("/files/j.tgz") == 1,
	      "failing mirror: %d tries, then %d from the URL", requests("/flaky/j.tgz"),
	      requests("/files/j.tgz"));
	fetch_item_clear(&it);
	free(u);
	free(hf);

	/* every source fails: the error lists them all */
	make_file("i.tgz", 2000, 10, sha);
	o.mirrors = m3;
	o.n_mirrors = 2;
	u = url("404", "i.tgz");
	CHECK(!fetch_one(u, NULL, sha, &o, &it), "all sources missing must fail");
	CHECK(it.error && strstr(it.error, empty) && strstr(it.error, h404) && strstr(it.error, u),
	      "error must list every source: %s", it.error);
	fetch_item_clear(&it);
	free(u);

	setenv("KILN_MIRRORS", " /a/b, http://m.example/x ,,file:///c ", 1);
	struct strv sv = {0};
	fetch_mirrors_from_env(&sv);
	CHECK(sv.n == 3 && strcmp(sv.v[0], "/a/b") == 0 && strcmp(sv.v[1], "http://m.example/x") == 0 &&
		      strcmp(sv.v[2], "file:///c") == 0,
	      "KILN_MIRRORS parsed into %zu entries", sv.n);
	strv_free(&sv);
	unsetenv("KILN_MIRRORS");

	free(hw);
	free(h404);
	free(hok);
	free(fm);
	free(src);
	free(dst);
	free(mdir);
	free(empty);
}

static void test_parallel(void)
{
	enum { N = 6 };
	char sha[N][65], names[N][32];
	char *urls[N];
	struct fetch_item items[N + 1];
	memset(items, 0, sizeof(items));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d.tar.gz", i);
		make_file(names[i], 20000, 20u + (unsigned)i, sha[i]);
		urls[i] = url("slow", names[i]);
		items[i].url = urls[i];
		items[i].sha256 = sha[i];
	}
	/* the same source twice in one call is fetched once */
	items[N].url = urls[0];
	items[N].sha256 = sha[0];
	struct fetch_opts o = {.cache_dir = cache, .jobs = N};
	buf_free(&logbuf);
	double t0 = now_s();
	CHECK(fetch_all(items, N + 1, &o), "parallel fetch failed");
	double dt = now_s() - t0;
	/* each /slow/ transfer takes about one second */
	CHECK(dt < 0.5 * N, "%d transfers of ~1s took %.2fs: not parallel", N, dt);
	fprintf(stderr, "  parallel: %d slow transfers in %.2fs\n", N, dt);
	for (int i = 0; i < N; i++) {
		CHECK(file_has_sha(items[i].path, sha[i]), "parallel item %d", i);
		fetch_item_clear(&items[i]);
		free(urls[i]);
	}
	CHECK(items[N].path && requests("/slow/p0.tar.gz") == 1, "duplicate fetched twice");
	CHECK(requests("max-slow") == N, "%d transfers at once, want %d", requests("max-slow"), N);
	fetch_item_clear(&items[N]);

	/* the bound on concurrent transfers holds */
	struct buf r = http_get("/reset");
	buf_free(&r);
	char *cache2 = path_join(work, "cache-bound");
	struct fetch_opts o2 = {.cache_dir = cache2, .jobs = 2};
	for (int i = 0; i < 4; i++) {
		urls[i] = url("slow", names[i]);
		items[i].url = urls[i];
		items[i].sha256 = sha[i];
	}
	t0 = now_s();
	CHECK(fetch_all(items, 4, &o2), "bounded fetch failed");
	dt = now_s() - t0;
	CHECK(requests("max-slow") == 2, "%d transfers at once with jobs=2", requests("max-slow"));
	CHECK(dt >= 1.8, "4 transfers of ~1s, 2 at a time, took only %.2fs", dt);
	for (int i = 0; i < 4; i++) {
		CHECK(file_has_sha(items[i].path, sha[i]), "bounded item %d", i);
		fetch_item_clear(&items[i]);
		free(urls[i]);
	}
	free(cache2);
}

/* two processes on one cache fetch the same files, in opposite orders */
static void test_two_processes(void)
{
	char sha[2][65];
	make_file("shared1.tar.gz", 100000, 30, sha[0]);
	make_file("shared2.tar.gz", 100000, 31, sha[1]);
	char *u[2] = {url("slow", "shared1.tar.gz"), url("slow", "shared2.tar.gz")};
	pid_t pids[2];
	double t0 = now_s();
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct fetch_item it[2] = {{.url = u[i], .sha256 = sha[i]},
						   {.url = u[1 - i], .sha256 = sha[1 - i]}};
			struct fetch_opts o = {.cache_dir = cache, .jobs = 1};
			bool ok = fetch_all(it, 2, &o) && file_has_sha(it[0].path, sha[i]) &&
				  file_has_sha(it[1].path, sha[1 - i]);
			fetch_item_clear(&it[0]);
			fetch_item_clear(&it[1]);
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < 2; i++) {
		int st = 0;
		waitpid(pids[i], &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "process %d failed", i);
	}
	fprintf(stderr, "  two processes: %.2fs\n", now_s() - t0);
	CHECK(requests("/slow/shared1.tar.gz") == 1 && requests("/slow/shared2.tar.gz") == 1,
	      "two processes downloaded %d and %d times", requests("/slow/shared1.tar.gz"),
	      requests("/slow/shared2.tar.gz"));
	for (int i = 0; i < 2; i++) {
		char *final = xasprintf("%s/sources/%s/shared%d.tar.gz", cache, sha[i], i + 1);
		CHECK(file_has_sha(final, sha[i]), "shared file %d corrupt", i + 1);
		free(final);
		free(u[i]);
	}
	check_no_partials("two processes");
}

static void read_all(int fd, struct buf *b)
{
	char chunk[4096];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)r);
}

/* the status line is redrawn in place on a terminal and absent from a file */
static void test_progress(void)
{
	char sha[65];
	make_file("progress.tar.gz", 20000, 40, sha);
	char *u = url("slow", "progress.tar.gz");
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, NULL) != 0) {
		perror("openpty");
		exit(1);
	}
	fcntl(master, F_SETFL, O_NONBLOCK);
	int saved = dup(2);
	dup2(slave, 2);
	log_set_sink(NULL, NULL);
	log_set_level(LOG_INFO);
	struct fetch_opts o = {.cache_dir = cache};
	struct fetch_item it = {.url = u, .sha256 = sha};
	bool ok = fetch_all(&it, 1, &o);
	dup2(saved, 2);
	struct buf tty = {0};
	read_all(master, &tty);
	close(master);
	close(slave);
	fetch_item_clear(&it);
	CHECK(ok, "fetch on a terminal failed");
	CHECK(tty.s && strstr(tty.s, "\r\033[Kfetch: 0/1 done, 1 downloading"),
	      "no status line on a terminal: %s", tty.s);
	CHECK(tty.s && strstr(tty.s, "\r\033[Kfetched progress.tar.gz from"),
	      "status line not cleared before a message");
	buf_free(&tty);

	/* not a terminal: plain lines only */
	char *path = path_join(work, "progress.log");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	dup2(fd, 2);
	close(fd);
	char *final = xasprintf("%s/sources/%s/progress.tar.gz", cache, sha);
	unlink(final);
	ok = fetch_all(&it, 1, &o);
	dup2(saved, 2);
	close(saved);
	fetch_item_clear(&it);
	char *text = read_file(path, NULL);
	CHECK(ok, "fetch to a file failed");
	CHECK(text && !strchr(text, '\r') && !strstr(text, "downloading") &&
		      strstr(text, "fetched progress.tar.gz from"),
	      "output to a file: %s", text);
	log_set_sink(sink, NULL);
	log_set_level(LOG_DEBUG);
	free(text);
	free(final);
	free(path);
	free(u);
}

static bool fetch_idx(const char *u, const char *sha, const char *const *ix, size_t nix,
		      const char *const *mirrors, size_t nm, struct fetch_item *it)
{
	struct fetch_opts o = {.cache_dir = cache, .indexes = ix, .n_indexes = nix,
			       .mirrors = mirrors, .n_mirrors = nm, .tries = 2, .backoff_ms = 10};
	return fetch_one(u, NULL, sha, &o, it);
}

/* sources found by name on a package index's project page, JSON and HTML */
static void test_index(void)
{
	char sha[65], sha2[65];
	struct fetch_item it;
	char *jx = xasprintf("%s/simple-json/files", base), *hx = xasprintf("%s/simple-html/files/", base);
	char *dead = xasprintf("http://127.0.0.1:1/idxa-1.0.tar.gz");
	char *h404 = xasprintf("%s/404", base);
	index_cache_clear();

	/* the recipe's URL is dead, a mirror lacks the file: the index has it (JSON page) */
	make_file("idxa-1.0.tar.gz", 5000, 50, sha);
	make_file("idxa-0.9.tar.gz", 5000, 51, sha2);
	const char *ij[] = {jx}, *m404[] = {h404};
	CHECK(fetch_idx(dead, sha, ij, 1, m404, 1, &it), "index hit after a dead URL: %s", it.error);
	CHECK(file_has_sha(it.path, sha), "index download digest");
	CHECK(requests("/404/idxa-1.0.tar.gz") == 1 && requests("/simple-json/files/idxa/") == 1 &&
		      requests("/files/idxa-1.0.tar.gz") == 1,
	      "mirror, then the page, then the file: %d %d %d", requests("/404/idxa-1.0.tar.gz"),
	      requests("/simple-json/files/idxa/"), requests("/files/idxa-1.0.tar.gz"));
	CHECK(log_has("fetched idxa-1.0.tar.gz from " ) && log_has("/files/idxa-1.0.tar.gz"),
	      "the relative link ../../../files/ was not resolved against the page");
	fetch_item_clear(&it);

	/* a mirror that has it: the index is not asked; the page is fetched once per process */
	char *c2 = path_join(work, "cache-idx");
	struct fetch_opts o2 = {.cache_dir = c2, .indexes = ij, .n_indexes = 1};
	struct fetch_item two[2] = {{.url = dead, .sha256 = sha}, {.file_name = "idxa-0.9.tar.gz",
		.sha256 = sha2}};
	buf_free(&logbuf);
	CHECK(fetch_all(two, 2, &o2), "two files of one project from the index");
	CHECK(requests("/simple-json/files/idxa/") == 1, "the page was fetched %d times",
	      requests("/simple-json/files/idxa/"));
	fetch_item_clear(&two[0]);
	fetch_item_clear(&two[1]);
	free(c2);

	/* HTML page: #sha256= fragments, entities, the project under its normalised name */
	make_file("Idx_B-2.0.zip", 3000, 52, sha);
	const char *ih[] = {hx};
	CHECK(fetch_idx("http://127.0.0.1:1/Idx_B-2.0.zip", sha, ih, 1, NULL, 0, &it),
	      "HTML index: %s", it.error);
	CHECK(requests("/simple-html/files/idx-b/") == 1 && requests("/files/Idx_B-2.0.zip") == 1,
	      "HTML page and file: %d %d", requests("/simple-html/files/idx-b/"),
	      requests("/files/Idx_B-2.0.zip"));
	fetch_item_clear(&it);

	/* the index serves other bytes: mismatch reported, download deleted, nothing kept */
	make_file("idxc-1.0.tar.gz", 4000, 53, sha);
	char *wj = xasprintf("%s/simple-json/wrong", base);
	const char *iw[] = {wj};
	char *final = xasprintf("%s/sources/%s/idxc-1.0.tar.gz", cache, sha);
	CHECK(!fetch_idx("http://127.0.0.1:1/idxc-1.0.tar.gz", sha, iw, 1, NULL, 0, &it),
	      "wrong bytes from the index accepted");
	CHECK(it.error && strstr(it.error, "sha256 mismatch") && strstr(it.error, "download deleted") &&
		      strstr(it.error, "/wrong/idxc-1.0.tar.gz"),
	      "index mismatch: %s", it.error);
	CHECK(!path_exists(final), "a mismatching index download was kept");
	check_no_partials("index mismatch");
	fetch_item_clear(&it);
	/* the recipe's URL is the one the index gave: not asked a second time */
	char *wu = xasprintf("%s/wrong/idxc-1.0.tar.gz", base);
	int before = requests("/wrong/idxc-1.0.tar.gz");
	CHECK(!fetch_idx(wu, sha, iw, 1, NULL, 0, &it) &&
		      requests("/wrong/idxc-1.0.tar.gz") == before + 1,
	      "the index's URL and the same recipe URL: %d requests",
	      requests("/wrong/idxc-1.0.tar.gz") - before);
	fetch_item_clear(&it);
	free(wu);

	/* the page lists another digest: not downloaded at all */
	char *lj = xasprintf("%s/simple-html/lie", base);
	const char *il[] = {lj};
	CHECK(!fetch_idx("http://127.0.0.1:1/idxc-1.0.tar.gz", sha, il, 1, NULL, 0, &it),
	      "a file listed with another sha256 accepted");
	CHECK(it.error && strstr(it.error, "with sha256 0000") && requests("/files/idxc-1.0.tar.gz") == 0,
	      "listed digest: %s", it.error);
	fetch_item_clear(&it);

	/* found nowhere: one error naming every place tried */
	make_file("idxd-3.0.tar.gz", 1000, 54, sha);
	char *empty = path_join(work, "empty-idx");
	mkdir_p(empty, 0755);
	char *other = xasprintf("%s/simple-json/files", base);
	const char *both[] = {jx, hx};
	const char *mm[] = {empty, h404};
	char *gone = xstrdup("http://127.0.0.1:1/idxd-3.0.tar.gz");
	/* idxd-3.0 is not on the pages of project "idxa" it is asked under */
	struct fetch_opts o3 = {.cache_dir = cache, .indexes = both, .n_indexes = 2, .mirrors = mm,
				.n_mirrors = 2, .tries = 1};
	memset(&it, 0, sizeof(it));
	it.url = gone;
	it.sha256 = sha;
	it.project = "idxa";
	buf_free(&logbuf);
	CHECK(!fetch_all(&it, 1, &o3), "a file found nowhere succeeded");
	char *p1 = xasprintf("%s/idxa/: idxd-3.0.tar.gz is not on the project page", jx);
	CHECK(it.error && strstr(it.error, "cannot fetch idxd-3.0.tar.gz") && strstr(it.error, empty) &&
		      strstr(it.error, "/404/idxd-3.0.tar.gz: HTTP 404") && strstr(it.error, p1) &&
		      strstr(it.error, "simple-html/files/idxa/") && strstr(it.error, gone),
	      "the error must list every place: %s", it.error);
	fetch_item_clear(&it);
	it.url = gone;
	it.project = "nosuchproject";
	CHECK(!fetch_all(&it, 1, &o3) && it.error && strstr(it.error, "nosuchproject/: HTTP 404"),
	      "a project the index does not have: %s", it.error);
	fetch_item_clear(&it);
	free(p1);
	free(gone);
	free(other);
	free(empty);
	free(final);
	free(lj);
	free(wj);
	free(h404);
	free(dead);
	free(hx);
	free(jx);
}

/* the newest final sdist, an exact version, yanked and pre-releases, from a declarative page */
static void test_index_choice(void)
{
	static const char page[] =
		"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": ["
		"{\"filename\": \"Pkg-1.9.tar.gz\", \"url\": \"p/Pkg-1.9.tar.gz\", \"hashes\": {}},"
		"{\"filename\": \"pkg-1.10.zip\", \"url\": \"p/pkg-1.10.zip\", \"hashes\": {}},"
		"{\"filename\": \"pkg-1.10.tar.gz\", \"url\": \"/abs/pkg-1.10.tar.gz\","
		" \"hashes\": {\"sha256\": \"AB0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\"}},"
		"{\"filename\": \"pkg-2.0rc1.tar.gz\", \"url\": \"p/pkg-2.0rc1.tar.gz\", \"hashes\": {}},"
		"{\"filename\": \"pkg-1.11.tar.gz\", \"url\": \"p/pkg-1.11.tar.gz\", \"yanked\": \"bad\"},"
		"{\"filename\": \"pkg-1.10.post1-py3-none-any.whl\", \"url\": \"w.whl\"},"
		"{\"filename\": \"pkg_extra-9.0.tar.gz\", \"url\": \"x.tar.gz\"}]}";
	struct index_page pg;
	char *why = NULL;
	CHECK(index_parse_page(page, strlen(page), true, "https://i.example/simple/pkg/", &pg, &why),
	      "page: %s", why);
	const struct index_file *f = index_page_sdist(&pg, "PKG", NULL);
	CHECK(f && strcmp(f->name, "pkg-1.10.tar.gz") == 0, "newest final sdist: %s", f ? f->name : "-");
	CHECK(f && strcmp(f->url, "https://i.example/abs/pkg-1.10.tar.gz") == 0 &&
		      str_startswith(f->sha256, "ab0123"), "absolute-path link and digest: %s %s",
	      f ? f->url : "", f ? f->sha256 : "");
	f = index_page_sdist(&pg, "pkg", "1.9");
	CHECK(f && strcmp(f->url, "https://i.example/simple/pkg/p/Pkg-1.9.tar.gz") == 0,
	      "exact version: %s", f ? f->url : "-");
	f = index_page_sdist(&pg, "pkg", "1.11");
	CHECK(f && f->yanked, "a yanked version asked for by number");
	CHECK(!index_page_sdist(&pg, "pkg", "3.0"), "a version the page does not have");
	index_page_free(&pg);

	static const char html[] =
		"<html><body><A HREF='../../f/q-0.1.tar.gz#sha256=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'"
		" data-requires-python=\"&gt;=3.8\">q-0.1.tar.gz</A>\n"
		"<a href=\"../../f/q-0.2a1.tar.gz\" data-yanked>q-0.2a1.tar.gz</a>\n"
		"<a href=\"q%20x/q-0.0.zip?a=1&amp;b=2\">\n q-0.0.zip </a></body></html>";
	CHECK(index_parse_page(html, strlen(html), false, "http://h:8/s/q/", &pg, &why) && pg.n == 3,
	      "HTML page: %zu links", pg.n);
	CHECK(pg.n == 3 && strcmp(pg.files[0].url, "http://h:8/f/q-0.1.tar.gz") == 0 &&
		      str_startswith(pg.files[0].sha256, "0123") && pg.files[1].yanked &&
		      strcmp(pg.files[2].name, "q-0.0.zip") == 0 &&
		      strcmp(pg.files[2].url, "http://h:8/s/q/q%20x/q-0.0.zip?a=1&b=2") == 0,
	      "HTML links: %s | %s", pg.n ? pg.files[0].url : "", pg.n == 3 ? pg.files[2].url : "");
	f = index_page_sdist(&pg, "q", NULL);
	CHECK(f && strcmp(f->name, "q-0.1.tar.gz") == 0, "final before yanked pre-release: %s",
	      f ? f->name : "-");
	index_page_free(&pg);
	char *pj = index_project_of_file("python-dateutil-2.8.2.tar.gz");
	char *pw = index_project_of_file("Foo_Bar-1.0-py3-none-any.whl");
	CHECK(pj && strcmp(pj, "python-dateutil") == 0 && pw && strcmp(pw, "foo-bar") == 0,
	      "projects of file names: %s %s", pj, pw);
	free(pj);
	free(pw);
}

static void write_text(const char *path, const char *text)
{
	char *dir = path_dirname(path);
	mkdir_p(dir, 0755);
	free(dir);
	if (!write_file_atomic(path, text, strlen(text))) {
		perror(path);
		exit(1);
	}
}

static char *urls_joined(const struct strv *given)
{
	struct strv out = {0};
	index_urls(given, &out);
	struct buf b = {0};
	for (size_t i = 0; i < out.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", out.v[i]);
	strv_free(&out);
	return buf_take(&b);
}

#define CHECK_URLS(given, want) do { \
	char *got_ = urls_joined(given); \
	CHECK(strcmp(got_, want) == 0, "indexes '%s', want '%s'", got_, want); \
	free(got_); \
} while (0)

/* which indexes: --index-url > KILN_INDEX_URL > PIP_INDEX_URL > pip's files > PyPI */
static void test_index_precedence(void)
{
	static const char *const vars[] = {"HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS",
		"PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "KILN_INDEX_URL"};
	char *saved[ARRAY_LEN(vars)];
	for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
		const char *v = getenv(vars[i]);
		saved[i] = v ? xstrdup(v) : NULL;
		unsetenv(vars[i]);
	}
	char *home = path_join(work, "home"), *xdg = path_join(work, "xdg");
	char *legacy = path_join(home, ".pip/pip.conf"), *user = path_join(home, ".config/pip/pip.conf");
	char *sys = path_join(xdg, "pip/pip.conf"), *envf = path_join(work, "env-pip.conf");
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_DIRS", xdg, 1);

	setenv("PIP_CONFIG_FILE", "/dev/null", 1);
	CHECK_URLS(NULL, INDEX_PYPI);
	unsetenv("PIP_CONFIG_FILE");
	write_text(sys, "[global]\nindex-url = http://sys/simple\n");
	write_text(legacy, "[global]\nindex-url = http://legacy/simple\n");
	write_text(user, "# user\n[global]\ncert = /x\nindex_url=http://user/simple\n"
			 "extra-index-url =\n    http://extra1/simple\n\thttp://extra2/simple\n");
	CHECK_URLS(NULL, "http://user/simple http://extra1/simple http://extra2/simple");
	/* [install] beats [global] even from an earlier file */
	write_text(sys, "[install]\nindex-url: http://sys-install/simple\n");
	CHECK_URLS(NULL, "http://sys-install/simple http://extra1/simple http://extra2/simple");
	/* PIP_CONFIG_FILE: read last, and the user files are skipped */
	write_text(envf, "[global]\nextra-index-url = http://envfile/simple\n");
	setenv("PIP_CONFIG_FILE", envf, 1);
	CHECK_URLS(NULL, "http://sys-install/simple http://envfile/simple");
	setenv("PIP_INDEX_URL", "http://pipenv/simple", 1);
	setenv("PIP_EXTRA_INDEX_URL", "http://pe1 http://pe2", 1);
	CHECK_URLS(NULL, "http://pipenv/simple http://pe1 http://pe2");
	setenv("KILN_INDEX_URL", "http://kiln1/simple, http://kiln2/simple", 1);
	CHECK_URLS(NULL, "http://kiln1/simple http://kiln2/simple");
	struct strv given = {0};
	strv_add(&given, "http://opt/simple");
	CHECK_URLS(&given, "http://opt/simple");
	strv_free(&given);

	for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
	free(home);
	free(xdg);
	free(legacy);
	free(user);
	free(sys);
	free(envf);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_fetch SERVER_PY WORKDIR\n");
		return 2;
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	work = xstrdup(argv[2]);
	char *rm = xasprintf("rm -rf '%s'", work);
	if (system(rm) != 0)
		return 1;
	srvdir = path_join(work, "srv");
	cache = path_join(work, "cache");
	mkdir_p(srvdir, 0755);
	start_server(argv[1]);
	log_set_sink(sink, NULL);
	log_set_level(LOG_DEBUG);

	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{"basic", test_basic}, {"retries", test_retries}, {"errors", test_errors},
		{"mirrors", test_mirrors}, {"parallel", test_parallel},
		{"two processes", test_two_processes}, {"progress", test_progress},
		{"index", test_index}, {"index choice", test_index_choice},
		{"index precedence", test_index_precedence},
	};
	for (size_t i = 0; i < ARRAY_LEN(tests); i++) {
		double t0 = now_s();
		tests[i].fn();
		fprintf(stderr, "== %s: %.2fs\n", tests[i].name, now_s() - t0);
	}
	check_no_partials("end");

	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	fprintf(stderr, "%d checks, %d failed\n", checks, failures);
	buf_free(&logbuf);
	index_cache_clear();
	free(base);
	free(srvdir);
	free(cache);
	free(work);
	free(rm);
	curl_global_cleanup();
	return failures ? 1 : 0;
}

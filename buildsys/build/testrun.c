#include "build/testrun.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"

extern const char embed_testrun[];
extern const size_t embed_testrun_len;

/* Pyodide's start-up is not part of a package's time; this bounds it */
#define STARTUP_TIMEOUT 300.0

struct testrun {
	char *index;       /* the temporary index directory */
	char *node;
	struct proc proc;  /* node; pid 0: none running */
	int to_fd;         /* its stdin: it exits when this closes (kiln ended or died) */
	int res_fd;        /* its fd 3: protocol lines */
	int out_fd;        /* its stdout and stderr: a file (node drops what a full pipe refuses) */
	off_t out_mark;    /* where the current package's part of it starts */
	struct buf res;
	bool ready;
	bool res_eof;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool testrun_interrupted(void)
{
	return interrupted;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool link_entries(const char *from, const char *index, bool dist)
{
	DIR *d = opendir(from);
	if (!d) {
		log_err("cannot read %s: %s", from, strerror(errno));
		return false;
	}
	char *abs = realpath(from, NULL);
	bool ok = abs != NULL;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "pyodide-lock.json") == 0)
			continue;
		char *target = path_join(abs, e->d_name), *link = path_join(index, e->d_name);
		if (dist)
			unlink(link); /* dist/ wins over the runtime */
		if (symlink(target, link) != 0 && errno != EEXIST) {
			log_err("cannot link %s: %s", link, strerror(errno));
			ok = false;
		}
		free(target);
		free(link);
	}
	if (!abs)
		log_err("cannot resolve %s: %s", from, strerror(errno));
	free(abs);
	closedir(d);
	return ok;
}

struct testrun *testrun_open(const char *pyodide_dir, const char *dist_dir)
{
	struct testrun *t = xcalloc(1, sizeof(*t));
	t->to_fd = t->res_fd = t->out_fd = -1;
	const char *tmp = getenv("TMPDIR");
	t->index = xasprintf("%s/kiln-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *lock = path_join(dist_dir, "pyodide-lock.json"), *lock_abs = NULL;
	char *link = NULL, *runner = NULL;
	const char *env = getenv("KILN_NODE");
	t->node = env && *env ? xstrdup(env) : proc_which("node", NULL);
	if (!t->node) {
		log_err("node is not in PATH (set KILN_NODE); kiln test runs Pyodide under node");
		goto fail;
	}
	if (!path_is_file(lock)) {
		log_err("%s does not exist; build the packages first (kiln build-recipes)", lock);
		goto fail;
	}
	if (!mkdtemp(t->index)) {
		log_err("cannot create %s: %s", t->index, strerror(errno));
		free(t->index);
		t->index = NULL;
		goto fail;
	}
	if (!link_entries(pyodide_dir, t->index, false) || !link_entries(dist_dir, t->index, true))
		goto fail;
	lock_abs = realpath(lock, NULL);
	link = path_join(t->index, "pyodide-lock.json");
	if (!lock_abs || symlink(lock_abs, link) != 0) {
		log_err("cannot link %s: %s", link, strerror(errno));
		goto fail;
	}
	runner = path_join(t->index, ".kiln-testrun.mjs");
	if (!write_file_atomic(runner, embed_testrun, embed_testrun_len)) {
		log_err("cannot write %s: %s", runner, strerror(errno));
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Ctrl-C ends the current package, then kiln cleans up (no SA_RESTART: poll returns) */
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	free(lock);
	free(lock_abs);
	free(link);
	free(runner);
	return t;
fail:
	free(lock);
	free(lock_abs);
	free(link);
	free(runner);
	testrun_close(t);
	return NULL;
}

bool testrun_has_file(const struct testrun *t, const char *name)
{
	char *p = path_join(t->index, name);
	bool ok = path_is_file(p);
	free(p);
	return ok;
}

char *testrun_index_path(const struct testrun *t, const char *name)
{
	return path_join(t->index, name);
}

static void stop(struct testrun *t)
{
	proc_kill(&t->proc, SIGKILL);
	proc_wait(&t->proc);
	if (t->to_fd >= 0)
		close(t->to_fd);
	if (t->res_fd >= 0)
		close(t->res_fd);
	if (t->out_fd >= 0)
		close(t->out_fd);
	t->to_fd = t->res_fd = t->out_fd = -1;
	t->ready = false;
	t->res.len = 0;
	t->res_eof = false;
	t->out_mark = 0;
}

static bool start(struct testrun *t)
{
	int in[2] = {-1, -1}, res[2] = {-1, -1};
	char *outpath = path_join(t->index, ".kiln-node-output");
	int out = open(outpath, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0)
		log_err("cannot create %s: %s", outpath, strerror(errno));
	free(outpath);
	if (out < 0)
		return false;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0) {
		log_err("pipe: %s", strerror(errno));
		goto fail;
	}
	char *runner = path_join(t->index, ".kiln-testrun.mjs");
	const char *argv[] = {t->node, runner, t->index, NULL};
	struct proc_opts o = {.in = {PROC_FD, .fd = in[0]}, .out = {PROC_FD, .fd = out},
		.err = {PROC_AS_OUT}, .map_fd = res[1], .map_to = 3, .shell_127 = true};
	bool started = proc_start(&t->proc, argv, &o);
	free(runner);
	if (!started)
		goto fail;
	close(in[0]);
	close(res[1]);
	t->to_fd = in[1];
	t->res_fd = res[0];
	t->out_fd = out;
	t->out_mark = 0;
	return true;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	close(out);
	return false;
}

/* read until a whole protocol line is there (returned, newly allocated), the
 * deadline passes or node closes fd 3 (NULL for both; *timed_out says which) */
static char *read_line(struct testrun *t, double deadline, bool *timed_out)
{
	*timed_out = false;
	for (;;) {
		char *nl = t->res.len ? memchr(t->res.s, '\n', t->res.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - t->res.s);
			char *line = xstrndup(t->res.s, n);
			memmove(t->res.s, nl + 1, t->res.len - n - 1);
			t->res.len -= n + 1;
			t->res.s[t->res.len] = '\0';
			return line;
		}
		if (t->res_eof || interrupted)
			return NULL;
		double left = deadline - now();
		if (left <= 0) {
			*timed_out = true;
			return NULL;
		}
		struct pollfd p = {t->res_fd, POLLIN, 0};
		int n = poll(&p, 1, left > 3600 ? 3600000 : (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			t->res_eof = true;
			continue;
		}
		if (n > 0) {
			char b[65536];
			ssize_t r = read(t->res_fd, b, sizeof(b));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				t->res_eof = true;
			else
				buf_add(&t->res, b, (size_t)r);
		}
	}
}

/* node's last words, readable: long lines (minified sources) cut, only the last lines */
static char *tidy_output(struct testrun *t)
{
	enum { MAX_LINE = 200, MAX_LINES = 40, MAX_TAIL = 1 << 20 };
	off_t end = lseek(t->out_fd, 0, SEEK_END), from_off = t->out_mark;
	if (end > from_off + MAX_TAIL)
		from_off = end - MAX_TAIL;
	size_t len = end > from_off ? (size_t)(end - from_off) : 0;
	char *text = xmalloc(len + 1);
	ssize_t got = len ? pread(t->out_fd, text, len, from_off) : 0;
	text[got > 0 ? (size_t)got : 0] = '\0';
	struct strv lines = {0};
	for (char *s = text, *nl; *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		strv_push(&lines, n > MAX_LINE ? xasprintf("%.*s...", MAX_LINE, s) : xstrndup(s, n));
	}
	struct buf b = {0};
	size_t from = lines.n > MAX_LINES ? lines.n - MAX_LINES : 0;
	if (from)
		buf_printf(&b, "[%zu lines before]\n", from);
	for (size_t i = from; i < lines.n; i++)
		buf_printf(&b, "%s\n", lines.v[i]);
	strv_free(&lines);
	free(text);
	return buf_take(&b);
}

static char *exit_reason(struct testrun *t)
{
	proc_wait(&t->proc);
	char *how = proc_describe(t->proc.status);
	char *s = xasprintf("node stopped (%s)", how);
	free(how);
	return s;
}

/* have a running node with a fresh Pyodide; false with res filled when it could not */
static bool ensure_ready(struct testrun *t, struct testrun_result *res)
{
	if (t->proc.pid > 0 && t->ready)
		return true;
	if (t->proc.pid <= 0 && !start(t))
		return false;
	bool timed_out;
	char *line = read_line(t, now() + STARTUP_TIMEOUT, &timed_out);
	cJSON *j = line ? cJSON_Parse(line) : NULL;
	if (j && cJSON_IsTrue(cJSON_GetObjectItem(j, "ready"))) {
		t->ready = true;
		t->out_mark = lseek(t->out_fd, 0, SEEK_END);
	} else {
		res->stage = xstrdup("crash");
		res->error = timed_out ? xasprintf("Pyodide did not start within %.0f s", STARTUP_TIMEOUT)
			: line ? xasprintf("unexpected line from the runner: %s", line) : exit_reason(t);
		res->output = tidy_output(t);
		stop(t);
	}
	cJSON_Delete(j);
	free(line);
	return t->ready;
}

static cJSON *strv_json(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return a;
}

static char *request(const struct testrun_pkg *p)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", p->name);
	cJSON_AddItemToObject(j, "load", strv_json(&p->load));
	cJSON_AddItemToObject(j, "imports", strv_json(&p->imports));
	if (p->script)
		cJSON_AddStringToObject(j, "script", p->script);
	else
		cJSON_AddNullToObject(j, "script");
	if (p->tests) {
		cJSON *tj = cJSON_AddObjectToObject(j, "tests");
		cJSON_AddItemToObject(tj, "load", strv_json(&p->test_load));
		cJSON_AddItemToObject(tj, "modules", strv_json(&p->test_modules));
		cJSON_AddBoolToObject(tj, "pytest", p->pytest);
	} else {
		cJSON_AddNullToObject(j, "tests");
	}
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	char *line = xasprintf("%s\n", s);
	free(s);
	return line;
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

static char *json_str(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static long json_long(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

bool testrun_one(struct testrun *t, const struct testrun_pkg *p, double timeout,
	struct testrun_result *res)
{
	*res = (struct testrun_result){.passed = -1, .failed = -1, .skipped = -1};
	double t0 = now();
	if (!ensure_ready(t, res)) {
		res->seconds = now() - t0;
		if (!res->stage) {
			log_err("cannot start node (%s)", t->node);
			return false;
		}
		return true;
	}
	char *req = request(p);
	t0 = now();
	bool timed_out = false;
	char *line = NULL;
	if (write_all(t->to_fd, req, strlen(req)))
		line = read_line(t, timeout > 0 ? t0 + timeout : t0 + 1e9, &timed_out);
	free(req);
	res->seconds = now() - t0;
	cJSON *j = line ? cJSON_Parse(line) : NULL;
	if (j && cJSON_IsString(cJSON_GetObjectItem(j, "name"))) {
		res->ok = cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"));
		res->stage = json_str(j, "stage");
		res->error = json_str(j, "error");
		res->output = json_str(j, "output");
		const cJSON *tests = cJSON_GetObjectItem(j, "tests");
		if (cJSON_IsObject(tests)) {
			res->passed = json_long(tests, "passed");
			res->failed = json_long(tests, "failed");
			res->skipped = json_long(tests, "skipped");
		}
		t->ready = res->ok; /* after a failure the runner starts a fresh Pyodide */
		if (!res->stage)
			res->stage = xstrdup("done");
	} else {
		res->stage = xstrdup(timed_out ? "timeout" : interrupted ? "interrupted" : "crash");
		if (interrupted)
			res->error = xstrdup("interrupted; node was killed");
		else if (timed_out)
			res->error = xasprintf("timed out after %.0f s; node was killed", timeout);
		else if (line)
			res->error = xasprintf("unexpected line from the runner: %s", line);
		else
			res->error = exit_reason(t);
		res->output = tidy_output(t);
		stop(t);
	}
	cJSON_Delete(j);
	free(line);
	return true;
}

void testrun_close(struct testrun *t)
{
	if (!t)
		return;
	stop(t);
	if (t->index)
		remove_tree(t->index);
	free(t->index);
	free(t->node);
	buf_free(&t->res);
	free(t);
}

void testrun_result_free(struct testrun_result *r)
{
	free(r->stage);
	free(r->error);
	free(r->output);
	*r = (struct testrun_result){0};
}

void testrun_pkg_free(struct testrun_pkg *p)
{
	strv_free(&p->load);
	strv_free(&p->imports);
	strv_free(&p->test_load);
	strv_free(&p->test_modules);
}

static bool is_test_file(const char *base)
{
	return str_endswith(base, ".py") &&
		(str_startswith(base, "test_") || str_endswith(base, "_test.py"));
}

static char *module_name(const char *path)
{
	while (str_startswith(path, "./"))
		path += 2;
	size_t n = strlen(path) - 3;
	char *m = xstrndup(path, n);
	for (char *c = m; *c; c++) {
		if (*c == '/')
			*c = '.';
		else if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9'))) {
			free(m);
			return NULL;
		}
	}
	return m;
}

static enum arc_step test_module(struct archive *a, struct archive_entry *e, void *ctx)
{
	const char *path = archive_entry_pathname(e);
	if (archive_entry_filetype(e) == AE_IFREG && path && is_test_file(path_basename(path))) {
		char *m = module_name(path);
		if (m)
			strv_push(ctx, m);
	}
	return ARC_NEXT;
}

bool testrun_test_modules(const char *tar, struct strv *mods)
{
	struct arc_source src = {.path = tar, .formats = ARC_ALL};
	return arc_each(&src, test_module, mods);
}

/* proc: the one spawner, with real processes: build steps (bash scripts), capture,
 * timeouts, cwd, environment, an extra descriptor, exit and signal statuses, programs
 * that cannot be started, and forked jobs. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/util.h"
#include "check.h"

static const char *getv(const struct strv *sv, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sv->n; i++)
		if (strncmp(sv->v[i], name, n) == 0 && sv->v[i][n] == '=')
			return sv->v[i] + n + 1;
	return NULL;
}

/* a NULL-terminated argument vector held in sv (free with argv_free) */
static char **argv_of(struct strv *sv, const char *const *words)
{
	*sv = (struct strv){0};
	for (; *words; words++)
		strv_add(sv, *words);
	strv_push(sv, NULL);
	return sv->v;
}

static void argv_free(struct strv *sv)
{
	sv->n--;
	strv_free(sv);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* a build step: bash, exports, cwd, output into a log, errexit, timeout */
static void test_steps(const char *dir)
{
	char *logp = path_join(dir, "log");
	int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct proc_opts o = proc_step_opts(dir, NULL, log, 0);
	int st = 0;

	/* exports persist; non-exported variables do not; cwd and output */
	struct strv env = {0};
	CHECK(proc_bash("export A='x y'\nB=local\necho hello; echo oops >&2; pwd",
		      &o, &st, &env), "bash failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	CHECK(getv(&env, "A") && strcmp(getv(&env, "A"), "x y") == 0, "A=%s", getv(&env, "A"));
	CHECK(!getv(&env, "B"), "B leaked");
	close(log);
	char *out = read_file(logp, NULL);
	char *want = xasprintf("hello\noops\n%s\n", dir);
	CHECK(out && strcmp(out, want) == 0, "log: %s", out);
	free(out);
	free(want);

	/* a later step sees the environment of the earlier one */
	struct proc_opts o2 = proc_step_opts(dir, env.v, -1, 0);
	CHECK(proc_bash("test \"$A\" = 'x y'", &o2, &st, NULL), "bash failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "A not seen: %d", st);

	/* errexit: a failing command in the middle fails the script */
	CHECK(proc_bash("false\ntrue", &o2, &st, NULL), "bash failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	char *d = proc_describe(st);
	CHECK(strcmp(d, "exit status 1") == 0, "%s", d);
	free(d);

	/* a hanging step is killed at its timeout, with what it started */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct proc_opts o3 = proc_step_opts(dir, NULL, -1, 0.5);
	char *script = xasprintf("(sleep 2; touch %s/late) & sleep 30", dir);
	CHECK(!proc_bash(script, &o3, &st, NULL), "hang not reported");
	CHECK(seconds_since(&t0) < 5, "took %.1f s", seconds_since(&t0));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
	free(script);

	/* a step that cannot be started: status 127 and why, in its log */
	log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *argv[] = {"kiln-no-such-program", NULL};
	CHECK(proc_run(argv, &o, &st), "not started");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127, "status %d", st);
	close(log);
	out = read_file(logp, NULL);
	CHECK(out && strstr(out, "kiln: cannot run kiln-no-such-program: "), "log: %s", out);
	free(out);

	/* a missing working directory, likewise */
	char *gone = path_join(dir, "gone");
	struct proc_opts o4 = {.cwd = gone, .shell_127 = true, .err = {PROC_NULL}};
	const char *tru[] = {"true", NULL};
	CHECK(proc_run(tru, &o4, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 127,
		"status %d", st);
	free(gone);
	free(logp);
	strv_free(&env);
}

/* capture, stdin from text, cwd, environment, files, statuses */
static void test_capture(const char *dir)
{
	struct buf out = {0}, err = {0};
	struct strv sv;
	int st = -1;
	const char *cat[] = {"sh", "-c", "cat; echo err >&2; exit 3", NULL};
	CHECK(proc_capture(argv_of(&sv, cat), "fed\n", &out, &err, &st), "capture failed");
	argv_free(&sv);
	CHECK(st == 3, "status %d", st);
	CHECK(out.s && strcmp(out.s, "fed\n") == 0, "out: %s", out.s);
	CHECK(err.s && strcmp(err.s, "err\n") == 0, "err: %s", err.s);
	buf_free(&out);
	buf_free(&err);

	/* more than a pipe holds, both ways */
	struct buf big = {0};
	for (int i = 0; i < 20000; i++)
		buf_puts(&big, "0123456789");
	const char *wc[] = {"sh", "-c", "cat; cat /dev/null", NULL};
	CHECK(proc_capture(argv_of(&sv, wc), big.s, &out, NULL, &st) && st == 0, "status %d", st);
	argv_free(&sv);
	CHECK(out.len == big.len, "%zu bytes back of %zu", out.len, big.len);
	buf_free(&out);
	buf_free(&big);

	/* not started: reported, false */
	const char *none[] = {"kiln-no-such-program", NULL};
	CHECK(!proc_capture(argv_of(&sv, none), NULL, &out, NULL, &st), "started?");
	CHECK(proc_system(sv.v) == -1, "proc_system of nothing");
	argv_free(&sv);
	buf_free(&out);

	/* killed by a signal: 128 + signal from proc_capture, the wait status from proc_run */
	const char *killed[] = {"sh", "-c", "kill -TERM $$", NULL};
	CHECK(proc_capture(argv_of(&sv, killed), NULL, NULL, NULL, &st) && st == 128 + SIGTERM,
		"status %d", st);
	argv_free(&sv);
	struct proc_opts q = {.in = {PROC_NULL}};
	CHECK(proc_run(killed, &q, &st) && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
		"status %d", st);
	char *how = proc_describe(st);
	CHECK(strcmp(how, "killed by signal 15 (Terminated)") == 0, "%s", how);
	free(how);

	/* cwd, a whole environment and variables set on top of kiln's */
	const char *envv[] = {"ONLY=1", NULL};
	const char *set[] = {"ADDED=2", "PATH=/usr/bin:/bin", NULL};
	const char *show[] = {"sh", "-c", "pwd; echo \"$ONLY-$ADDED-$HOME\"", NULL};
	struct proc_opts e1 = {.cwd = dir, .env = argv_of(&sv, envv), .env_set = set,
		.out = {PROC_PIPE, .buf = &out}};
	CHECK(proc_run(show, &e1, &st) && st == 0, "status %d", st);
	argv_free(&sv);
	char *want = xasprintf("%s\n1-2-\n", dir);
	CHECK(out.s && strcmp(out.s, want) == 0, "out: %s", out.s);
	free(want);
	buf_free(&out);
	setenv("KILN_PROC_TEST", "inherited", 1);
	const char *set2[] = {"ADDED=2", NULL};
	const char *show2[] = {"sh", "-c", "echo \"$KILN_PROC_TEST-$ADDED\"", NULL};
	struct proc_opts e2 = {.env_set = set2, .out = {PROC_PIPE, .buf = &out}};
	CHECK(proc_run(show2, &e2, &st) && st == 0, "status %d", st);
	CHECK(out.s && strcmp(out.s, "inherited-2\n") == 0, "out: %s", out.s);
	buf_free(&out);

	/* stdin fed whole when nothing is read back */
	char *got = path_join(dir, "stdin.txt");
	const char *save[] = {"sh", "-c", "cat > stdin.txt", NULL};
	struct proc_opts fed = {.cwd = dir, .in = {PROC_PIPE, .text = "only in\n"}};
	CHECK(proc_run(save, &fed, &st) && st == 0, "status %d", st);
	char *text = read_file(got, NULL);
	CHECK(text && strcmp(text, "only in\n") == 0, "stdin.txt: %s", text);
	free(text);
	free(got);

	/* stdout and stderr into files (relative to the child's cwd) */
	const char *both[] = {"sh", "-c", "echo to-out; echo to-err >&2", NULL};
	struct proc_opts f = {.cwd = dir, .out = {PROC_FILE, .path = "o.txt"},
		.err = {PROC_FILE, .path = "e.txt"}};
	CHECK(proc_run(both, &f, &st) && st == 0, "status %d", st);
	char *po = path_join(dir, "o.txt"), *pe = path_join(dir, "e.txt");
	char *so = read_file(po, NULL), *se = read_file(pe, NULL);
	CHECK(so && strcmp(so, "to-out\n") == 0, "o.txt: %s", so);
	CHECK(se && strcmp(se, "to-err\n") == 0, "e.txt: %s", se);
	free(so);
	free(se);
	free(po);
	free(pe);
}

/* an extra descriptor (fd 3), stdin from a pipe kiln holds, kill, asynchronous start */
static void test_fds(void)
{
	int res[2], in[2];
	CHECK(pipe2(res, O_CLOEXEC) == 0 && pipe2(in, O_CLOEXEC) == 0, "pipe");
	const char *argv[] = {"sh", "-c", "read line; echo \"got $line\" >&3; exec sleep 30", NULL};
	struct proc_opts o = {.in = {PROC_FD, .fd = in[0]}, .map_fd = res[1], .map_to = 3};
	struct proc p;
	CHECK(proc_start(&p, argv, &o), "not started");
	close(in[0]);
	close(res[1]);
	CHECK(write(in[1], "ping\n", 5) == 5, "write");
	char b[64] = {0};
	ssize_t n = read(res[0], b, sizeof(b) - 1);
	CHECK(n > 0 && strcmp(b, "got ping\n") == 0, "fd 3 said: %s", b);
	proc_kill(&p, SIGKILL);
	CHECK(proc_wait(&p), "wait");
	CHECK(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL, "status %d", p.status);
	close(in[1]);
	close(res[0]);

	/* kiln's close-on-exec descriptors stay out of the child; others are inherited */
	int keep[2], hide[2];
	CHECK(pipe(keep) == 0 && pipe2(hide, O_CLOEXEC) == 0, "pipe");
	char *script = xasprintf("test -e /proc/self/fd/%d && ! test -e /proc/self/fd/%d",
		keep[1], hide[1]);
	const char *chk[] = {"sh", "-c", script, NULL};
	struct proc_opts plain = {0};
	int st;
	CHECK(proc_run(chk, &plain, &st) && st == 0, "jobserver-like descriptor not inherited");
	free(script);
	close(keep[0]);
	close(keep[1]);
	close(hide[0]);
	close(hide[1]);
}

/* SIGTERM to kiln reaches the step's group while it is waited for */
static void test_forward(void)
{
	struct sigaction old_term, old_int;
	sigaction(SIGTERM, NULL, &old_term);
	sigaction(SIGINT, NULL, &old_int);
	proc_forward_signals();
	char *script = xasprintf("(sleep 1; kill -TERM %ld) & exec sleep 30", (long)getpid());
	const char *argv[] = {"sh", "-c", script, NULL};
	struct proc_opts o = {.group = true};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int st = 0;
	CHECK(proc_run(argv, &o, &st), "run");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
	CHECK(seconds_since(&t0) < 10, "took %.1f s", seconds_since(&t0));
	free(script);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
}

static bool job_ok(void *ctx)
{
	return getpgid(0) == getpid() && ctx != NULL;
}

static bool job_fails(void *ctx)
{
	return false;
}

/* a forked job: its own group, exit status from its result */
static void test_fork(void)
{
	int st = 0;
	pid_t pid = proc_fork("a job", job_ok, &st);
	CHECK(pid > 0, "fork");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	pid = proc_fork("a job", job_fails, NULL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
}

int main(void)
{
	char tmpl[] = "/tmp/kiln-proc-XXXXXX";
	char *dir = mkdtemp(tmpl);
	test_steps(dir);
	test_capture(dir);
	test_fds();
	test_forward();
	test_fork();
	char *late = path_join(dir, "late");
	sleep(2);
	CHECK(!path_exists(late), "the timed-out step's background job survived");
	free(late);
	char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(rm);
	printf("%s (%d checks)\n", failures ? "FAIL" : "ok", checks);
	return failures ? 1 : 0;
}

/* proc: bash scripts and programs as build steps, with real processes. */
#include <fcntl.h>
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

int main(void)
{
	char tmpl[] = "/tmp/kiln-proc-XXXXXX";
	char *dir = mkdtemp(tmpl);
	char *logp = path_join(dir, "log");
	int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct proc_opts o = {.cwd = dir, .out_fd = log};
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
	struct proc_opts o2 = {.cwd = dir, .env = env.v, .out_fd = -1};
	CHECK(proc_bash("test \"$A\" = 'x y'", &o2, &st, NULL), "bash failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "A not seen: %d", st);

	/* errexit: a failing command in the middle fails the script */
	CHECK(proc_bash("false\ntrue", &o2, &st, NULL), "bash failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	char *d = proc_describe(st);
	CHECK(strcmp(d, "exit status 1") == 0, "%s", d);
	free(d);

	/* a hanging step is killed at its timeout, with what it started */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct proc_opts o3 = {.cwd = dir, .out_fd = -1, .timeout = 0.5};
	char *script = xasprintf("(sleep 30; touch %s/late) & sleep 30", dir);
	CHECK(!proc_bash(script, &o3, &st, NULL), "hang not reported");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 5, "took %.1f s", secs);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
	free(script);

	/* a program that does not exist */
	const char *argv[] = {"kiln-no-such-program", NULL};
	CHECK(proc_run(argv, &o2, &st), "not started");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127, "status %d", st);

	char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(rm);
	free(logp);
	strv_free(&env);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}

/* sched: real child processes (sh, make) under the scheduler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "build/scheduler.h"
#include "check.h"

struct ctx {
	const char *const *cmds;
	const char *dir;
};

static pid_t start(size_t i, const struct sched_jobserver *js, void *p)
{
	struct ctx *c = p;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		setenv("MAKEFLAGS", js->makeflags, 1);
		setenv("T", c->dir, 1);
		execl("/bin/sh", "sh", "-c", c->cmds[i], (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* record "S name time" / "E name time" lines in $T/log */
#define REC(name, body) \
	"echo S " name " $(date +%s.%N) >>$T/log; " body "; r=$?; echo E " name " $(date +%s.%N) >>$T/log; exit $r"

struct ev {
	char kind;
	char name[32];
	double t;
};

static size_t load(const char *dir, struct ev *ev, size_t max)
{
	char *path = path_join(dir, "log");
	FILE *f = fopen(path, "r");
	free(path);
	size_t n = 0;
	if (!f)
		return 0;
	while (n < max && fscanf(f, " %c %31s %lf", &ev[n].kind, ev[n].name, &ev[n].t) == 3)
		n++;
	fclose(f);
	return n;
}

static int max_overlap(struct ev *ev, size_t n)
{
	/* sort by time, then count */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ev[j - 1].t > ev[j].t; j--) {
			struct ev t = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = t;
		}
	int cur = 0, best = 0;
	for (size_t i = 0; i < n; i++) {
		cur += ev[i].kind == 'S' ? 1 : -1;
		if (cur > best)
			best = cur;
	}
	return best;
}

static double when(const struct ev *ev, size_t n, char kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == kind && strcmp(ev[i].name, name) == 0)
			return ev[i].t;
	return -1;
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/kiln-sched-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? xstrdup(d) : NULL;
}

static void cleanup(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	free(dir);
}

static void test_order_and_limit(void)
{
	char *dir = tmpdir();
	const char *cmds[] = {
		REC("a", "sleep 0.2"), REC("b", "sleep 0.2"), REC("c", "sleep 0.2"),
		REC("d", "sleep 0.2"), REC("e", "sleep 0.2"), REC("f", "sleep 0.1"),
	};
	/* f needs a and e; e needs d */
	size_t fdeps[] = {0, 4}, edeps[] = {3};
	struct sched_job jobs[] = {
		{.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d"},
		{.name = "e", .deps = edeps, .ndeps = 1},
		{.name = "f", .deps = fdeps, .ndeps = 2},
	};
	struct ctx c = {cmds, dir};
	struct sched_ops ops = {.start = start, .ctx = &c};
	struct sched_opts opts = {.jobs = 2};
	bool intr;
	CHECK(sched_run(jobs, ARRAY_LEN(jobs), &opts, &ops, &intr), "run failed");
	struct ev ev[64];
	size_t n = load(dir, ev, 64);
	CHECK(n == 12, "%zu events", n);
	CHECK(when(ev, n, 'E', "d") <= when(ev, n, 'S', "e"), "e started before d ended");
	CHECK(when(ev, n, 'E', "e") <= when(ev, n, 'S', "f"), "f started before e ended");
	CHECK(when(ev, n, 'E', "a") <= when(ev, n, 'S', "f"), "f started before a ended");
	int o = max_overlap(ev, n);
	CHECK(o == 2, "overlap %d with -j2", o);
	for (size_t i = 0; i < ARRAY_LEN(jobs); i++)
		CHECK(jobs[i].state == SCHED_DONE, "job %s state %d", jobs[i].name, jobs[i].state);

	/* one slot: longest remaining chain first (d, e, f), ties by name */
	char *log = path_join(dir, "log");
	unlink(log);
	free(log);
	opts.jobs = 1;
	CHECK(sched_run(jobs, ARRAY_LEN(jobs), &opts, &ops, &intr), "run failed");
	n = load(dir, ev, 64);
	char order[16] = {0};
	for (size_t i = 0, k = 0; i < n && k < 15; i++)
		if (ev[i].kind == 'S')
			order[k++] = ev[i].name[0];
	CHECK(strcmp(order, "daebcf") == 0, "order %s", order);
	cleanup(dir);
}

static void test_keep_going(void)
{
	char *dir = tmpdir();
	const char *cmds[] = {REC("bad", "exit 3"), REC("dep", "true"), REC("other", "sleep 0.1")};
	size_t deps[] = {0};
	struct sched_job jobs[] = {
		{.name = "bad"}, {.name = "dep", .deps = deps, .ndeps = 1}, {.name = "other"},
	};
	struct ctx c = {cmds, dir};
	struct sched_ops ops = {.start = start, .ctx = &c};
	struct sched_opts opts = {.jobs = 1, .keep_going = true};
	bool intr;
	CHECK(!sched_run(jobs, 3, &opts, &ops, &intr), "run succeeded");
	CHECK(jobs[0].state == SCHED_FAILED, "bad: %d", jobs[0].state);
	CHECK(WEXITSTATUS(jobs[0].status) == 3, "status %d", jobs[0].status);
	CHECK(jobs[1].state == SCHED_SKIPPED, "dep: %d", jobs[1].state);
	CHECK(jobs[2].state == SCHED_DONE, "other: %d", jobs[2].state);

	/* without -k nothing new starts after the failure */
	opts.keep_going = false;
	jobs[2].weight = 0.5; /* bad (weight 1 + dep) still goes first */
	CHECK(!sched_run(jobs, 3, &opts, &ops, &intr), "run succeeded");
	CHECK(jobs[2].state == SCHED_SKIPPED, "other ran after a failure: %d", jobs[2].state);
	cleanup(dir);
}

static void test_jobserver(void)
{
	char *dir = tmpdir();
	char *mk = path_join(dir, "Makefile");
	FILE *f = fopen(mk, "w");
	fputs("all: t1 t2 t3 t4 t5 t6\n"
	      "t%:\n\t@echo S make$@ $$(date +%s.%N) >>$(T)/log; sleep 0.3; echo E make$@ $$(date +%s.%N) >>$(T)/log\n", f);
	fclose(f);
	char *makecmd = xasprintf("make -s -C %s all", dir);
	/* alone with 3 slots, make gets 3 jobs through the jobserver */
	const char *cmds[] = {makecmd, REC("x", "sleep 0.5")};
	struct sched_job jobs[] = {{.name = "make"}, {.name = "x"}};
	struct ctx c = {cmds, dir};
	struct sched_ops ops = {.start = start, .ctx = &c};
	struct sched_opts opts = {.jobs = 3};
	bool intr;
	CHECK(sched_run(jobs, 1, &opts, &ops, &intr), "make failed");
	struct ev ev[64];
	size_t n = load(dir, ev, 64);
	int o = max_overlap(ev, n);
	CHECK(o == 3, "make alone at -j3 ran %d at once", o);

	/* next to another job on 2 slots, make runs one recipe at a time */
	char *log = path_join(dir, "log");
	unlink(log);
	opts.jobs = 2;
	CHECK(sched_run(jobs, 2, &opts, &ops, &intr), "run failed");
	n = load(dir, ev, 64);
	CHECK(n == 14, "%zu events", n);
	o = max_overlap(ev, n);
	CHECK(o <= 2, "%d jobs at once with 2 slots", o);
	free(log);
	free(mk);
	free(makecmd);
	cleanup(dir);
}

int main(void)
{
	test_order_and_limit();
	test_keep_going();
	test_jobserver();
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}

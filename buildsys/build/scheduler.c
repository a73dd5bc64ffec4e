#include "build/scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

static int sigpipe[2] = {-1, -1};
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	int e = errno;
	char c = (char)sig;
	if (sig != SIGCHLD)
		got_signal = sig;
	if (write(sigpipe[1], &c, 1) < 0) {
		/* pipe full: a wakeup is pending anyway */
	}
	errno = e;
}

double sched_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned sched_cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return (unsigned)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* longest chain (by weight) from each job through its dependents */
static void priorities(struct sched_job *jobs, size_t n)
{
	/* number of dependents of each job */
	size_t *cnt = xcalloc(n, sizeof(*cnt));
	for (size_t i = 0; i < n; i++)
		for (size_t d = 0; d < jobs[i].ndeps; d++)
			cnt[jobs[i].deps[d]]++;
	/* Kahn order from sinks: a job's priority needs its dependents' */
	size_t *left = xcalloc(n, sizeof(*left));
	size_t *queue = xcalloc(n, sizeof(*queue));
	size_t qh = 0, qt = 0;
	for (size_t i = 0; i < n; i++) {
		left[i] = cnt[i];
		jobs[i].priority = jobs[i].weight;
		if (!left[i])
			queue[qt++] = i;
	}
	while (qh < qt) {
		size_t j = queue[qh++];
		for (size_t d = 0; d < jobs[j].ndeps; d++) {
			size_t p = jobs[j].deps[d];
			if (jobs[p].priority < jobs[p].weight + jobs[j].priority)
				jobs[p].priority = jobs[p].weight + jobs[j].priority;
			if (--left[p] == 0)
				queue[qt++] = p;
		}
	}
	free(cnt);
	free(left);
	free(queue);
}

static bool ready(const struct sched_job *jobs, const struct sched_job *j)
{
	for (size_t d = 0; d < j->ndeps; d++)
		if (jobs[j->deps[d]].state != SCHED_DONE)
			return false;
	return true;
}

static void skip_dependents(struct sched_job *jobs, size_t n)
{
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			if (jobs[i].state != SCHED_WAITING)
				continue;
			for (size_t d = 0; d < jobs[i].ndeps; d++) {
				enum sched_state s = jobs[jobs[i].deps[d]].state;
				if (s == SCHED_FAILED || s == SCHED_SKIPPED) {
					jobs[i].state = SCHED_SKIPPED;
					changed = true;
					break;
				}
			}
		}
	}
}

static ssize_t pick(struct sched_job *jobs, size_t n)
{
	ssize_t best = -1;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state != SCHED_WAITING || !ready(jobs, &jobs[i]))
			continue;
		if (best < 0 || jobs[i].priority > jobs[best].priority ||
		    (jobs[i].priority == jobs[best].priority &&
			    strcmp(jobs[i].name, jobs[best].name) < 0))
			best = (ssize_t)i;
	}
	return best;
}

/* The children's ends of the pipe stay blocking, as make expects; the
 * scheduler reads tokens through its own non-blocking open file
 * description of the same pipe. */
static bool jobserver_open(struct sched_jobserver *js, int *own_rfd, unsigned jobs)
{
	int fds[2];
	if (pipe(fds) != 0) {
		log_err("cannot create the jobserver pipe: %s", strerror(errno));
		return false;
	}
	js->rfd = fds[0];
	js->wfd = fds[1];
	js->jobs = jobs;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", js->rfd);
	*own_rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*own_rfd < 0) {
		log_err("cannot reopen the jobserver pipe: %s", strerror(errno));
		close(js->rfd);
		close(js->wfd);
		return false;
	}
	/* the first job runs on the implicit slot; the rest are tokens */
	for (unsigned i = 1; i < jobs; i++)
		if (write(js->wfd, "+", 1) != 1) {
			log_err("cannot fill the jobserver pipe: %s", strerror(errno));
			return false;
		}
	snprintf(js->makeflags, sizeof(js->makeflags), "-j%u --jobserver-auth=%d,%d",
		jobs, js->rfd, js->wfd);
	return true;
}

static void jobserver_close(struct sched_jobserver *js, int own_rfd)
{
	close(own_rfd);
	close(js->rfd);
	close(js->wfd);
}

static void status(const struct sched_ops *ops, struct sched_job *jobs, size_t n,
	const char *name, size_t running, double t0)
{
	if (!ops->status)
		return;
	size_t done = 0;
	for (size_t i = 0; i < n; i++)
		done += jobs[i].state == SCHED_DONE || jobs[i].state == SCHED_FAILED;
	ops->status(done, n, name, running, sched_now() - t0, ops->ctx);
}

/* one run of sched_run */
struct run {
	struct sched_job *jobs;
	size_t n;
	const struct sched_opts *opts;
	const struct sched_ops *ops;
	struct sched_jobserver js;
	int tokfd;
	size_t running, tokens_held;
	double t0;
	bool ok;
	bool *interrupted;
	struct sigaction old_int, old_term, old_chld;
};

static void give_back_token(struct run *r)
{
	if (r->tokens_held == 0)
		return;
	r->tokens_held--;
	if (write(r->js.wfd, "+", 1) != 1)
		log_err("jobserver pipe: %s", strerror(errno));
}

/* start what can start: ready jobs, longest chain first, while there are slots (a failed
 * start stops the run unless it keeps going) */
static void start_ready(struct run *r, bool stopping)
{
	while (!stopping) {
		ssize_t i = pick(r->jobs, r->n);
		if (i < 0)
			break;
		if (r->running > 0) {
			char t;
			if (read(r->tokfd, &t, 1) != 1)
				break; /* no free slot; wait for a token or a child */
			r->tokens_held++;
		}
		struct sched_job *j = &r->jobs[i];
		j->started = sched_now();
		j->pid = r->ops->start((size_t)i, &r->js, r->ops->ctx);
		if (j->pid < 0) {
			j->state = SCHED_FAILED;
			if (r->running > 0)
				give_back_token(r);
			r->ok = false;
			skip_dependents(r->jobs, r->n);
			if (r->ops->finished)
				r->ops->finished((size_t)i, r->ops->ctx);
			stopping = !r->opts->keep_going;
			continue;
		}
		j->state = SCHED_RUNNING;
		r->running++;
		status(r->ops, r->jobs, r->n, j->name, r->running, r->t0);
	}
}

/* the running job whose child pid ended with status st */
static void job_ended(struct run *r, pid_t pid, int st)
{
	for (size_t i = 0; i < r->n; i++) {
		struct sched_job *j = &r->jobs[i];
		if (j->state != SCHED_RUNNING || j->pid != pid)
			continue;
		j->status = st;
		j->seconds = sched_now() - j->started;
		j->state = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? SCHED_DONE : SCHED_FAILED;
		r->running--;
		give_back_token(r);
		if (j->state == SCHED_FAILED) {
			r->ok = false;
			skip_dependents(r->jobs, r->n);
		}
		if (r->ops->finished)
			r->ops->finished(i, r->ops->ctx);
		status(r->ops, r->jobs, r->n, NULL, r->running, r->t0);
		return;
	}
}

/* wait for a child, a signal, a token, or a status tick; false when polling failed */
static bool wait_event(struct run *r, bool stopping)
{
	struct pollfd pf[2] = {{sigpipe[0], POLLIN, 0}, {r->tokfd, POLLIN, 0}};
	bool want_token = !stopping && pick(r->jobs, r->n) >= 0;
	int pr = poll(pf, want_token ? 2 : 1, 1000);
	if (pr < 0 && errno != EINTR) {
		log_err("poll: %s", strerror(errno));
		return false;
	}
	if (pf[0].revents & POLLIN) {
		char buf[64];
		while (read(sigpipe[0], buf, sizeof(buf)) > 0) {
		}
	}
	if (got_signal && !*r->interrupted) {
		*r->interrupted = true;
		r->ok = false;
		for (size_t i = 0; i < r->n; i++)
			if (r->jobs[i].state == SCHED_RUNNING && r->jobs[i].pid > 0)
				kill(-r->jobs[i].pid, SIGTERM);
	}
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			break;
		job_ended(r, pid, st);
	}
	if (pr == 0)
		status(r->ops, r->jobs, r->n, NULL, r->running, r->t0);
	return true;
}

/* the jobserver, the self-pipe and the signal handlers */
static bool setup(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		r->jobs[i].state = SCHED_WAITING;
		r->jobs[i].pid = -1;
		if (r->jobs[i].weight <= 0)
			r->jobs[i].weight = 1;
	}
	priorities(r->jobs, r->n);
	if (!jobserver_open(&r->js, &r->tokfd, r->opts->jobs ? r->opts->jobs : 1))
		return false;
	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("cannot create a pipe: %s", strerror(errno));
		jobserver_close(&r->js, r->tokfd);
		return false;
	}
	got_signal = 0;
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, &r->old_int);
	sigaction(SIGTERM, &sa, &r->old_term);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &r->old_chld);
	return true;
}

static void teardown(struct run *r)
{
	sigaction(SIGINT, &r->old_int, NULL);
	sigaction(SIGTERM, &r->old_term, NULL);
	sigaction(SIGCHLD, &r->old_chld, NULL);
	close(sigpipe[0]);
	close(sigpipe[1]);
	sigpipe[0] = sigpipe[1] = -1;
	jobserver_close(&r->js, r->tokfd);
}

bool sched_run(struct sched_job *jobs, size_t n, const struct sched_opts *opts,
	const struct sched_ops *ops, bool *interrupted)
{
	struct run r = {.jobs = jobs, .n = n, .opts = opts, .ops = ops, .t0 = sched_now(),
		.ok = true, .interrupted = interrupted};
	*interrupted = false;
	if (!setup(&r))
		return false;
	for (;;) {
		bool stopping = got_signal || (!r.ok && !opts->keep_going);
		start_ready(&r, stopping);
		if (r.running == 0)
			break;
		stopping = got_signal || (!r.ok && !opts->keep_going);
		if (!wait_event(&r, stopping))
			break;
	}
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == SCHED_WAITING) {
			jobs[i].state = SCHED_SKIPPED;
			r.ok = false;
		}
	teardown(&r);
	return r.ok;
}

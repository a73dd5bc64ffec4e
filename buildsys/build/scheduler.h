#ifndef KILN_SCHEDULER_H
#define KILN_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A single-threaded scheduler for a DAG of jobs run as child processes:
 * poll() over a self-pipe, at most N jobs at once counting the jobs that
 * children start themselves through a GNU make jobserver, ready jobs
 * started longest-remaining-chain first. */

enum sched_state {
	SCHED_WAITING,
	SCHED_RUNNING,
	SCHED_DONE,
	SCHED_FAILED,
	SCHED_SKIPPED, /* a dependency failed, or the run was stopped */
};

struct sched_job {
	const char *name;
	const size_t *deps; /* indices of jobs that must succeed first */
	size_t ndeps;
	double weight;      /* expected seconds (recorded duration), > 0 */

	/* filled in by sched_run */
	enum sched_state state;
	int status;         /* wait status of a finished job */
	double seconds;     /* wall time of a finished job */
	double priority;    /* weight of the longest chain starting here */
	pid_t pid;
	double started;
};

struct sched_jobserver {
	int rfd, wfd;
	unsigned jobs;
	char makeflags[96]; /* value for MAKEFLAGS in children */
};

struct sched_ops {
	/* start job i; the child must inherit js->rfd/js->wfd and see
	 * js->makeflags as MAKEFLAGS; return its pid (a process-group leader)
	 * or -1 after reporting why */
	pid_t (*start)(size_t i, const struct sched_jobserver *js, void *ctx);
	/* job i ended (state DONE or FAILED set); optional */
	void (*finished)(size_t i, void *ctx);
	/* progress changed: finished+failed of total, the job just started or
	 * NULL, running jobs, seconds since the start; optional */
	void (*status)(size_t done, size_t total, const char *name, size_t running,
		double elapsed, void *ctx);
	void *ctx;
};

struct sched_opts {
	unsigned jobs;    /* total job slots, >= 1 */
	bool keep_going;  /* go on with jobs that do not depend on a failure */
};

/* Run every job. Returns true when all succeeded. On SIGINT/SIGTERM the
 * running jobs' process groups get SIGTERM, are waited for, and the
 * function returns false with *interrupted set. */
bool sched_run(struct sched_job *jobs, size_t n, const struct sched_opts *opts,
	const struct sched_ops *ops, bool *interrupted);

/* usable CPUs of this process */
unsigned sched_cpu_count(void);

/* monotonic seconds */
double sched_now(void);

#endif

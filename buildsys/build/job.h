#ifndef KILN_JOB_H
#define KILN_JOB_H

#include <sys/types.h>

struct plan;
struct plan_pkg;
struct sched_jobserver;

/* The build of one package, in a child process of its own (proc_fork): under a lock on
 * its work directory <cache>/work/<name>, with its log in build.log there; the host
 * closure's prefixes installed, the source prepared, the script steps and the package's
 * build run, the artifacts and their lockfile entries (entry.json) staged and published
 * into the cache. The child exits 0 when the entry is there. */

/* start building pkg of plan p; js is the scheduler's jobserver, step_timeout the limit of
 * each script and backend step (0: none). The child's pid, or -1 (reported). */
pid_t job_start(const struct plan *p, const struct plan_pkg *pkg,
	const struct sched_jobserver *js, double step_timeout);

#endif

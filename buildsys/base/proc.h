#ifndef KILN_PROC_H
#define KILN_PROC_H

#include <stdbool.h>

#include "base/util.h"

/* Child processes of a build step: a program or a bash script, in its own
 * process group, output to a log descriptor, with an optional timeout.
 * SIGTERM/SIGINT received while one runs are forwarded to its group. */

struct proc_opts {
	const char *cwd;     /* NULL: the current directory */
	char *const *env;    /* NULL-terminated KEY=VALUE; NULL: inherit */
	int out_fd;          /* stdout and stderr; -1: inherit */
	double timeout;      /* seconds; 0: none */
};

/* run argv; *status gets the wait status (timeouts end with SIGKILL);
 * false when it could not be started or timed out (reported) */
bool proc_run(const char *const *argv, const struct proc_opts *o, int *status);

/* run a bash script with errexit; when env_out is given it receives the
 * environment as the script left it (exports persist into later steps) */
bool proc_bash(const char *script, const struct proc_opts *o, int *status,
	struct strv *env_out);

/* "exit status 2", "killed by signal 9 (Killed)" */
char *proc_describe(int status);

/* set SIGTERM/SIGINT to be forwarded to the running child's group */
void proc_forward_signals(void);

/* Run argv (PATH lookup) with stdin from `in` (may be NULL: /dev/null), collecting stdout
 * and stderr into out/err (either may be NULL: discarded). *status gets the exit status
 * (128+signal when killed). False only when the program could not be started. */
bool proc_capture(char *const argv[], const char *in, struct buf *out, struct buf *err,
	int *status);
/* Run argv with the caller's stdio and wait; returns the exit status, -1 if not started. */
int proc_system(char *const argv[]);
/* Find an executable in PATH (or take a path with a '/'), skipping directory `skip`
 * (may be NULL); newly allocated, NULL if none. */
char *proc_which(const char *name, const char *skip);

#endif

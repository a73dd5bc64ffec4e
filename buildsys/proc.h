#ifndef KILN_PROC_H
#define KILN_PROC_H

#include <stdbool.h>

#include "util.h"

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

#endif

#ifndef KILN_PROC_H
#define KILN_PROC_H

#include <stdbool.h>

#include "util.h"

/* Run argv (PATH lookup) with stdin from `in` (may be NULL: /dev/null), collecting stdout
 * and stderr into out/err (either may be NULL: discarded). *status gets the exit status
 * (128+signal when killed). False only when the program could not be started. */
bool proc_capture(char *const argv[], const char *in, struct buf *out, struct buf *err,
	int *status);
/* Run argv with the caller's stdio and wait; returns the exit status, -1 if not started. */
int proc_run(char *const argv[]);
/* Find an executable in PATH (or take a path with a '/'), skipping directory `skip`
 * (may be NULL); newly allocated, NULL if none. */
char *proc_which(const char *name, const char *skip);

#endif

#ifndef KILN_PROC_H
#define KILN_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/util.h"

/* Child processes: the one place kiln starts programs (posix_spawn) and forks jobs of
 * its own. Every child starts with SIGINT, SIGTERM and SIGPIPE at their default actions
 * and inherits the descriptors that are not close-on-exec (those of a GNU make
 * jobserver); kiln's own descriptors are opened close-on-exec. */

/* where a standard stream of a child comes from or goes to */
enum proc_io {
	PROC_INHERIT, /* kiln's own (the default) */
	PROC_NULL,    /* /dev/null */
	PROC_FD,      /* .fd, a descriptor of kiln */
	PROC_FILE,    /* .path, created or truncated; relative to the child's cwd */
	PROC_PIPE,    /* stdin: .text written to it; stdout, stderr: read into .buf (NULL: dropped) */
	PROC_AS_OUT,  /* stderr only: wherever stdout goes */
};

struct proc_stream {
	enum proc_io how;
	int fd;
	const char *path;
	struct buf *buf;
	const char *text;
};

struct proc_opts {
	const char *cwd;            /* NULL: kiln's */
	char *const *env;           /* the whole environment, NULL-terminated KEY=VALUE; NULL: kiln's */
	const char *const *env_set; /* KEY=VALUE set on top of that environment; NULL: none */
	struct proc_stream in, out, err;
	int map_fd, map_to;         /* map_to from 3 to 9: kiln's descriptor map_fd is the child's map_to */
	double timeout;             /* seconds; 0: none. The child (its group) is killed with SIGKILL */
	bool group;                 /* in a process group of its own, killed whole when the child
	                             * ends; SIGTERM/SIGINT are forwarded to it (proc_forward_signals) */
	bool shell_127;             /* a program that cannot be started ends with status 127 and
	                             * "kiln: cannot run PROG: WHY" on its stderr, as under a shell,
	                             * instead of being a reported failure */
};

/* a started child; the fields below pid and status are proc.c's. A child started without
 * pipes, timeout or group holds nothing else: it may be waited for by pid (proc_reap). */
struct proc {
	pid_t pid;   /* 0 once waited for, or when it never started */
	int status;  /* wait status once it ended */
	char name[256];
	bool group, timed_out;
	double timeout, deadline;
	int in_fd, out_fd, err_fd; /* kiln's ends of the pipes; -1: none */
	const char *in_text;
	size_t in_len, in_off;
	struct buf *out_buf, *err_buf;
};

/* the options of a build step: in cwd with env (either NULL: kiln's), stdin /dev/null,
 * stdout and stderr into log (-1: kiln's own), in a group of its own, status 127 when it
 * cannot be started, killed after timeout seconds (0: never) */
struct proc_opts proc_step_opts(const char *cwd, char *const *env, int log, double timeout);

/* start argv[0] (looked up in PATH) as o says; false when it could not be started (reported) */
bool proc_start(struct proc *p, const char *const *argv, const struct proc_opts *o);
/* wait for a started child: feed and drain its pipes, enforce its timeout; p->status gets
 * its wait status (a timeout ends it with SIGKILL). False when it timed out or could not
 * be waited for (reported) */
bool proc_wait(struct proc *p);
/* wait for the child pid (EINTR retried); *status gets its wait status; false when it
 * cannot be waited for (reported) */
bool proc_reap(pid_t pid, int *status);
/* send sig to a running child (to its group when it has one) */
void proc_kill(const struct proc *p, int sig);
/* start and wait; *status gets the wait status */
bool proc_run(const char *const *argv, const struct proc_opts *o, int *status);

/* Fork a child that runs job(ctx) and exits 0 when it returns true, 1 otherwise: for work
 * that is kiln's own code rather than a program. The child leads a process group of its
 * own and forwards SIGTERM/SIGINT to the steps it runs; the caller waits for it
 * (waitpid). Its pid, or -1 (reported, naming what). */
pid_t proc_fork(const char *what, bool (*job)(void *ctx), void *ctx);

/* run a bash script with errexit through proc_run; when env_out is given it receives the
 * environment as the script left it (exports persist into later steps) */
bool proc_bash(const char *script, const struct proc_opts *o, int *status,
	struct strv *env_out);

/* "exit status 2", "killed by signal 9 (Killed)" */
char *proc_describe(int status);

/* set SIGTERM/SIGINT to be forwarded to the group of the child being waited for */
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

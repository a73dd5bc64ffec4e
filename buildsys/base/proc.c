#include "base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

/* descriptors handed to a child are first moved this high, so that putting one in
 * place (0, 1, 2, map_to) never overwrites another that is still to come */
#define PROC_HIGH_FD 10

static volatile pid_t child_group;
static volatile sig_atomic_t stop_sig;

static void forward(int sig)
{
	stop_sig = sig;
	if (child_group > 0)
		kill(-child_group, SIGTERM);
}

void proc_forward_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *proc_describe(int status)
{
	if (WIFEXITED(status))
		return xasprintf("exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return xasprintf("killed by signal %d (%s)", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	return xasprintf("wait status %d", status);
}

/* ---------- starting ---------- */

/* what proc_start prepares: the child's file actions and kiln's ends of everything */
struct spawn {
	posix_spawn_file_actions_t fa;
	int given[4];       /* kiln's copies of what the child gets; closed once it started */
	size_t n_given;
	int dir;            /* the child's working directory */
	int out_fd, err_fd; /* where "cannot run" goes for shell_127; -1: nowhere */
	struct buf *out_buf, *err_buf;
};

/* fd duplicated to PROC_HIGH_FD or above, close-on-exec; own: fd is closed */
static int lift(int fd, bool own)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, PROC_HIGH_FD);
	int e = errno;
	if (own)
		close(fd);
	errno = e;
	return hi;
}

/* kiln's descriptor fd becomes the child's target */
static bool give(struct spawn *s, int fd, bool own, int target)
{
	int hi = lift(fd, own);
	if (hi < 0) {
		log_err("cannot pass a descriptor to a child process: %s", strerror(errno));
		return false;
	}
	s->given[s->n_given++] = hi;
	posix_spawn_file_actions_adddup2(&s->fa, hi, target);
	return true;
}

static char *child_path(const struct proc_opts *o, const char *path)
{
	return o->cwd && path[0] != '/' ? path_join(o->cwd, path) : xstrdup(path);
}

static bool stream_file(struct spawn *s, const struct proc_opts *o, const char *path, int target)
{
	char *full = child_path(o, path);
	int fd = target == 0 ? open(full, O_RDONLY | O_CLOEXEC)
			     : open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		log_err("cannot %s %s: %s", target == 0 ? "read" : "write", full, strerror(errno));
	free(full);
	if (fd < 0 || !give(s, fd, true, target))
		return false;
	if (target == 1)
		s->out_fd = s->given[s->n_given - 1];
	else if (target == 2)
		s->err_fd = s->given[s->n_given - 1];
	return true;
}

/* a pipe whose child end becomes target; *mine gets kiln's end */
static bool stream_pipe(struct spawn *s, int target, int *mine)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		log_err("cannot create a pipe: %s", strerror(errno));
		return false;
	}
	int theirs = target == 0 ? fds[0] : fds[1];
	*mine = lift(target == 0 ? fds[1] : fds[0], true);
	if (*mine < 0) {
		log_err("cannot create a pipe: %s", strerror(errno));
		close(theirs);
		return false;
	}
	return give(s, theirs, true, target);
}

static bool stream(struct spawn *s, struct proc *p, const struct proc_opts *o,
	const struct proc_stream *st, int target)
{
	switch (st->how) {
	case PROC_INHERIT:
		if (target == 1)
			s->out_fd = 1;
		else if (target == 2)
			s->err_fd = 2;
		return true;
	case PROC_NULL:
		posix_spawn_file_actions_addopen(&s->fa, target, "/dev/null",
			target == 0 ? O_RDONLY : O_WRONLY, 0);
		return true;
	case PROC_FD:
		if (target == 1)
			s->out_fd = st->fd;
		else if (target == 2)
			s->err_fd = st->fd;
		return give(s, st->fd, false, target);
	case PROC_FILE:
		return stream_file(s, o, st->path, target);
	case PROC_PIPE:
		if (target == 0) {
			p->in_text = st->text ? st->text : "";
			p->in_len = strlen(p->in_text);
			return stream_pipe(s, 0, &p->in_fd);
		}
		if (target == 1) {
			s->out_buf = p->out_buf = st->buf;
			return stream_pipe(s, 1, &p->out_fd);
		}
		s->err_buf = p->err_buf = st->buf;
		return stream_pipe(s, 2, &p->err_fd);
	case PROC_AS_OUT:
		s->err_fd = s->out_fd;
		s->err_buf = s->out_buf;
		posix_spawn_file_actions_adddup2(&s->fa, 1, 2);
		return true;
	}
	return false;
}

/* posix_spawn's argv and envp are not const for historical reasons only */
static char *const *unconst(const char *const *v)
{
	char *const *r;
	memcpy(&r, &v, sizeof(r));
	return r;
}

/* the environment with o->env_set applied: an array of borrowed strings */
static const char **merged_env(const struct proc_opts *o)
{
	char *const *base = o->env ? o->env : environ;
	size_t n = 0, k = 0;
	while (base[n])
		n++;
	while (o->env_set[k])
		k++;
	const char **env = xcalloc(n + k + 1, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		env[i] = base[i];
	for (size_t i = 0; i < k; i++) {
		const char *kv = o->env_set[i];
		size_t len = strcspn(kv, "=") + 1, at = 0;
		while (at < n && strncmp(env[at], kv, len) != 0)
			at++;
		env[at] = kv;
		if (at == n)
			n++;
	}
	return env;
}

static void spawn_free(struct spawn *s)
{
	for (size_t i = 0; i < s->n_given; i++)
		close(s->given[i]);
	if (s->dir >= 0)
		close(s->dir);
	posix_spawn_file_actions_destroy(&s->fa);
}

/* shell_127: the child "ran" and failed as a shell reports it */
static void not_started(struct proc *p, const struct spawn *s, const char *verb, const char *arg,
	int err)
{
	char *msg = xasprintf("kiln: cannot %s %s: %s\n", verb, arg, strerror(err));
	if (s->err_buf)
		buf_puts(s->err_buf, msg);
	else if (s->err_fd >= 0 && write(s->err_fd, msg, strlen(msg)) < 0) {
		/* nowhere to say it: the status says enough */
	}
	free(msg);
	p->pid = 0;
	p->status = 127 << 8;
}

static void proc_close_pipes(struct proc *p)
{
	int *fds[] = {&p->in_fd, &p->out_fd, &p->err_fd};
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static bool prepare(struct spawn *s, struct proc *p, const struct proc_opts *o)
{
	if (!stream(s, p, o, &o->in, 0) || !stream(s, p, o, &o->out, 1) ||
	    !stream(s, p, o, &o->err, 2))
		return false;
	return o->map_to <= 2 || give(s, o->map_fd, false, o->map_to);
}

static int spawn_now(struct proc *p, const char *const *argv, const struct proc_opts *o,
	struct spawn *s)
{
	posix_spawnattr_t attr;
	sigset_t def;
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	short flags = POSIX_SPAWN_SETSIGDEF;
	if (o->group) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);
	const char **env = o->env_set ? merged_env(o) : NULL;
	char *const *envp = env ? unconst(env) : o->env ? o->env : environ;
	int e = posix_spawnp(&p->pid, argv[0], &s->fa, &attr, unconst(argv), envp);
	free(env);
	posix_spawnattr_destroy(&attr);
	return e;
}

struct proc_opts proc_step_opts(const char *cwd, char *const *env, int log, double timeout)
{
	struct proc_opts o = {.cwd = cwd, .env = env, .in = {PROC_NULL}, .timeout = timeout,
		.group = true, .shell_127 = true};
	if (log >= 0) {
		o.out = (struct proc_stream){PROC_FD, .fd = log};
		o.err.how = PROC_AS_OUT;
	}
	return o;
}

bool proc_start(struct proc *p, const char *const *argv, const struct proc_opts *o)
{
	struct spawn s = {.dir = -1, .out_fd = -1, .err_fd = -1};
	*p = (struct proc){.in_fd = -1, .out_fd = -1, .err_fd = -1, .group = o->group,
		.timeout = o->timeout};
	snprintf(p->name, sizeof(p->name), "%s", argv[0]);
	posix_spawn_file_actions_init(&s.fa);
	bool ok = false;
	if (!prepare(&s, p, o))
		goto out;
	if (o->cwd) {
		s.dir = open(o->cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s.dir < 0 && o->shell_127) {
			not_started(p, &s, "enter", o->cwd, errno);
			ok = true;
			goto out;
		}
		if (s.dir < 0) {
			log_err("cannot enter %s: %s", o->cwd, strerror(errno));
			goto out;
		}
		posix_spawn_file_actions_addfchdir_np(&s.fa, s.dir);
	}
	int e = spawn_now(p, argv, o, &s);
	if (e && o->shell_127) {
		not_started(p, &s, "run", argv[0], e);
	} else if (e) {
		log_err("cannot run %s: %s", argv[0], strerror(e));
		p->pid = 0;
		goto out;
	} else if (o->group) {
		child_group = p->pid;
		if (stop_sig)
			kill(-p->pid, SIGTERM);
	}
	p->deadline = o->timeout > 0 ? now() + o->timeout : 0;
	ok = true;
out:
	spawn_free(&s);
	if (!ok || !p->pid)
		proc_close_pipes(p);
	return ok;
}

/* ---------- waiting ---------- */

static void read_some(int *fd, struct buf *b)
{
	char chunk[16384];
	ssize_t r = read(*fd, chunk, sizeof(chunk));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (b)
		buf_add(b, chunk, (size_t)r);
}

static void write_some(struct proc *p)
{
	ssize_t w = p->in_off < p->in_len
		? write(p->in_fd, p->in_text + p->in_off, p->in_len - p->in_off) : 0;
	if (w > 0)
		p->in_off += (size_t)w;
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		p->in_off = p->in_len;
	if (p->in_off >= p->in_len) {
		close(p->in_fd);
		p->in_fd = -1;
	}
}

/* the timeout, once: kill the child (its group) */
static bool expired(struct proc *p)
{
	if (!p->deadline || p->timed_out || now() < p->deadline)
		return false;
	p->timed_out = true;
	proc_kill(p, SIGKILL);
	return true;
}

/* poll timeout in ms: until the deadline, at most 20 ms while one is pending */
static int tick(const struct proc *p)
{
	return p->deadline && !p->timed_out ? 20 : -1;
}

/* feed stdin and drain stdout/stderr until the child closes them (or times out) */
static void pump(struct proc *p)
{
	if (p->in_fd >= 0)
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	while (p->out_fd >= 0 || p->err_fd >= 0 || p->in_fd >= 0) {
		struct pollfd pf[3] = {{p->out_fd, POLLIN, 0}, {p->err_fd, POLLIN, 0},
			{p->in_fd, POLLOUT, 0}};
		if (poll(pf, 3, tick(p)) < 0 && errno != EINTR)
			break;
		if (expired(p))
			break;
		if (p->out_fd >= 0 && pf[0].revents)
			read_some(&p->out_fd, p->out_buf);
		if (p->err_fd >= 0 && pf[1].revents)
			read_some(&p->err_fd, p->err_buf);
		if (p->in_fd >= 0 && pf[2].revents)
			write_some(p);
	}
	proc_close_pipes(p);
}

static bool reap(struct proc *p)
{
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, p->deadline && !p->timed_out ? WNOHANG : 0);
		if (r == p->pid)
			return true;
		if (r < 0 && errno != EINTR) {
			log_err("waiting for %s: %s", p->name, strerror(errno));
			return false;
		}
		if (r == 0 && !expired(p))
			poll(NULL, 0, tick(p));
	}
}

bool proc_wait(struct proc *p)
{
	if (p->pid <= 0)
		return true;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	bool feeding = p->in_fd >= 0;
	if (feeding)
		sigaction(SIGPIPE, &ign, &old);
	pump(p);
	if (feeding)
		sigaction(SIGPIPE, &old, NULL);
	bool ok = reap(p);
	/* whatever the child left behind in its group goes with it */
	if (p->group)
		kill(-p->pid, SIGKILL);
	if (p->group && child_group == p->pid)
		child_group = 0;
	p->pid = 0;
	if (ok && p->timed_out) {
		log_err("%s timed out after %.0f s and was killed", p->name, p->timeout);
		ok = false;
	}
	return ok;
}

bool proc_reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			log_err("waitpid: %s", strerror(errno));
			return false;
		}
	return true;
}

void proc_kill(const struct proc *p, int sig)
{
	if (p->pid > 0)
		kill(p->group ? -p->pid : p->pid, sig);
}

bool proc_run(const char *const *argv, const struct proc_opts *o, int *status)
{
	struct proc p;
	if (!proc_start(&p, argv, o))
		return false;
	bool ok = proc_wait(&p);
	*status = p.status;
	return ok;
}

pid_t proc_fork(const char *what, bool (*job)(void *ctx), void *ctx)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		log_err("cannot start %s: %s", what, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGCHLD, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		setpgid(0, 0);
		child_group = 0;
		stop_sig = 0;
		proc_forward_signals();
		_exit(job(ctx) ? 0 : 1);
	}
	setpgid(pid, pid);
	return pid;
}

bool proc_bash(const char *script, const struct proc_opts *o, int *status,
	struct strv *env_out)
{
	char envfile[] = "/tmp/kiln-env-XXXXXX";
	int fd = -1;
	char *full;
	if (env_out) {
		fd = mkstemp(envfile);
		if (fd < 0) {
			log_err("cannot create a temporary file: %s", strerror(errno));
			return false;
		}
		close(fd);
		full = xasprintf("%s\nenv -0 >%s\n", script, envfile);
	} else {
		full = xstrdup(script);
	}
	const char *argv[] = {"bash", "-e", "-c", full, "kiln-script", NULL};
	bool ok = proc_run(argv, o, status);
	free(full);
	if (env_out) {
		if (ok && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
			size_t len;
			char *data = read_file(envfile, &len);
			if (!data) {
				log_err("cannot read the script's environment: %s", strerror(errno));
				ok = false;
			} else {
				for (size_t i = 0; i < len; i += strlen(data + i) + 1)
					if (data[i])
						strv_add(env_out, data + i);
				free(data);
			}
		}
		unlink(envfile);
	}
	return ok;
}

/* an exit status as a shell gives it: 128+signal when killed */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

bool proc_capture(char *const argv[], const char *in, struct buf *out, struct buf *err,
	int *status)
{
	struct proc_opts o = {
		.in = in ? (struct proc_stream){PROC_PIPE, .text = in} : (struct proc_stream){PROC_NULL},
		.out = {PROC_PIPE, .buf = out},
		.err = {PROC_PIPE, .buf = err},
	};
	int st = 0;
	if (!proc_run((const char *const *)argv, &o, &st))
		return false;
	*status = exit_code(st);
	return true;
}

int proc_system(char *const argv[])
{
	struct proc_opts o = {0};
	int st = 0;
	return proc_run((const char *const *)argv, &o, &st) ? exit_code(st) : -1;
}

char *proc_which(const char *name, const char *skip)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *skipreal = skip ? realpath(skip, NULL) : NULL;
	char *found = NULL;
	for (const char *p = path; !found; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *dir = n ? xstrndup(p, n) : xstrdup(".");
		bool skipped = false;
		if (skipreal) {
			char *r = realpath(dir, NULL);
			skipped = r && strcmp(r, skipreal) == 0;
			free(r);
		}
		if (!skipped) {
			char *cand = path_join(dir, name);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				found = cand;
			else
				free(cand);
		}
		free(dir);
		if (!end)
			break;
		p = end;
	}
	free(skipreal);
	return found;
}

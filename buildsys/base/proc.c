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

bool proc_run(const char *const *argv, const struct proc_opts *o, int *status)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_err("cannot start %s: %s", argv[0], strerror(errno));
		return false;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (o->cwd && chdir(o->cwd) != 0) {
			dprintf(o->out_fd >= 0 ? o->out_fd : 2, "kiln: cannot enter %s: %s\n",
				o->cwd, strerror(errno));
			_exit(127);
		}
		if (o->out_fd >= 0) {
			dup2(o->out_fd, 1);
			dup2(o->out_fd, 2);
		}
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		size_t n = 0;
		while (argv[n])
			n++;
		char **args = xcalloc(n + 1, sizeof(*args));
		for (size_t i = 0; i < n; i++)
			args[i] = xstrdup(argv[i]);
		if (o->env)
			execvpe(args[0], args, o->env);
		else
			execvp(args[0], args);
		dprintf(2, "kiln: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child_group = pid;
	if (stop_sig)
		kill(-pid, SIGTERM);
	double deadline = o->timeout > 0 ? now() + o->timeout : 0;
	bool timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, status, deadline ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			log_err("waiting for %s: %s", argv[0], strerror(errno));
			child_group = 0;
			return false;
		}
		if (deadline && r == 0) {
			if (now() >= deadline && !timed_out) {
				timed_out = true;
				kill(-pid, SIGKILL);
			}
			poll(NULL, 0, 20);
		}
	}
	/* whatever the step left behind in its group goes with it */
	kill(-pid, SIGKILL);
	child_group = 0;
	if (timed_out) {
		log_err("%s timed out after %.0f s and was killed", argv[0], o->timeout);
		return false;
	}
	return true;
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



static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static void drain(int fd, struct buf *b, bool *open_)
{
	char chunk[16384];
	ssize_t r = read(fd, chunk, sizeof(chunk));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		*open_ = false;
		return;
	}
	if (b)
		buf_add(b, chunk, (size_t)r);
}

bool proc_capture(char *const argv[], const char *in, struct buf *out, struct buf *err,
	int *status)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, pi[2] = {-1, -1};
	bool ok = false;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || (in && pipe2(pi, O_CLOEXEC))) {
		log_err("cannot create a pipe: %s", strerror(errno));
		goto done;
	}
	if (in)
		posix_spawn_file_actions_adddup2(&fa, pi[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	pid_t pid;
	int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (e) {
		log_err("cannot run %s: %s", argv[0], strerror(e));
		goto done;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (in) {
		close(pi[0]);
		pi[0] = -1;
		fcntl(pi[1], F_SETFL, O_NONBLOCK);
	}
	size_t inlen = in ? strlen(in) : 0, inoff = 0;
	bool oo = true, eo = true;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	while (oo || eo) {
		struct pollfd p[3] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}, {pi[1], POLLOUT, 0}};
		nfds_t n = pi[1] >= 0 ? 3 : 2;
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (oo && p[0].revents)
			drain(po[0], out, &oo);
		if (eo && p[1].revents)
			drain(pe[0], err, &eo);
		if (n == 3 && p[2].revents) {
			ssize_t w = inoff < inlen ? write(pi[1], in + inoff, inlen - inoff) : 0;
			if (w > 0)
				inoff += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				inoff = inlen;
			if (inoff >= inlen) {
				close(pi[1]);
				pi[1] = -1;
			}
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	*status = wait_status(pid);
	ok = true;
done:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (pi[i] >= 0)
			close(pi[i]);
	}
	posix_spawn_file_actions_destroy(&fa);
	return ok;
}

int proc_system(char *const argv[])
{
	pid_t pid;
	int e = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (e) {
		log_err("cannot run %s: %s", argv[0], strerror(e));
		return -1;
	}
	return wait_status(pid);
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

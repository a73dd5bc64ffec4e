#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

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

/* Out of memory along `kiln check`: the test is linked with
 * -Wl,--wrap=malloc,... (and libyaml statically, so that its allocations are
 * wrapped too; cJSON allocates through kiln's hooks as in main()), and runs the
 * check command in a child process once per allocation, failing the Nth one,
 * for N = 1 up to the number of allocations of a full run. Every child must exit
 * with status 1 and "out of memory" on stderr (or, when the failed allocation
 * had a fallback, produce the output of the full run), with no sanitizer report.
 *
 * usage: oom [PATH...]   (the arguments of kiln check) */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "cmd/cmd.h"

extern const struct kiln_cmd cmd_check;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long count, fail_at;

static bool fail(void)
{
	return ++count == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail() ? NULL : __real_strndup(s, n);
}

struct result {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
	unsigned long allocs; /* allocations made, when none failed */
};

static char dir[] = "/tmp/kiln-oom-XXXXXX";

static void run(unsigned long n, int argc, char **argv, struct result *r)
{
	char *out = path_join(dir, "out"), *err = path_join(dir, "err"), *cnt = path_join(dir, "count");
	unlink(cnt);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(99);
		close(o);
		close(e);
		cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = xmalloc, .free_fn = free});
		count = 0;
		fail_at = n;
		int status = cmd_check.run(argc, argv);
		fflush(NULL);
		if (count < n || n == 0) {
			FILE *f = fopen(cnt, "w");
			if (f) {
				fprintf(f, "%lu\n", count);
				fclose(f);
			}
		}
		exit(status);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		;
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	size_t len;
	r->out = read_file(out, &len);
	r->err = read_file(err, &len);
	char *c = read_file(cnt, &len);
	r->allocs = c ? strtoul(c, NULL, 10) : 0;
	free(c);
	free(out);
	free(err);
	free(cnt);
}

int main(int argc, char **argv)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	/* the command sees argv[0] as its name */
	static char name[] = "check";
	argv[0] = name;
	struct result base = {0};
	run(0, argc, argv, &base);
	if (!base.out || !base.err || !base.allocs || base.status > 1) {
		fprintf(stderr, "oom: the full run failed (status %d):\n%s", base.status,
			base.err ? base.err : "");
		return 1;
	}
	int bad = 0;
	unsigned long fatal = 0, fallback = 0;
	for (unsigned long n = 1; n <= base.allocs; n++) {
		struct result r = {0};
		run(n, argc, argv, &r);
		const char *why = NULL;
		if (!r.out || !r.err)
			why = "no output";
		else if (strstr(r.err, "Sanitizer") || strstr(r.err, "runtime error"))
			why = "sanitizer report";
		else if (r.allocs)
			why = "the allocation was not made (the run is not deterministic)";
		else if (r.status == 1 && strstr(r.err, "out of memory"))
			fatal++;
		else if (r.status == base.status && !strcmp(r.out, base.out))
			fallback++;
		else
			why = "neither \"out of memory\" with status 1 nor the full run's output";
		if (why) {
			fprintf(stderr, "allocation %lu: %s (status %d)\n--- stdout\n%s--- stderr\n%s\n",
				n, why, r.status, r.out ? r.out : "", r.err ? r.err : "");
			if (++bad >= 5)
				break;
		}
		free(r.out);
		free(r.err);
	}
	printf("%lu allocations: %lu fatal out of memory, %lu recovered, %d bad\n", base.allocs,
		fatal, fallback, bad);
	free(base.out);
	free(base.err);
	remove_tree(dir);
	return bad ? 1 : 0;
}

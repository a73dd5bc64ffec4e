#include "cmd/tool_wrap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "toolchain/wrap.h"

/* what the rules said for standard output; a failure to write it fails a call that
 * succeeded */
static int say(const struct wrap *w, int status)
{
	if (!w->said.len)
		return status;
	bool written = fwrite(w->said.s, 1, w->said.len, stdout) == w->said.len;
	return fflush(stdout) == 0 && written ? status : status == 0 ? 1 : status;
}

int tool_wrap_main(int argc, char **argv)
{
	struct wrap w;
	int status = 1;
	if (!wrap_open(&w, argv[0]))
		goto out;
	status = say(&w, wrap_run(&w, argc, argv));
	if (status >= 0)
		goto out;
	if (w.dry) {
		struct buf line = {0};
		wrap_show(&w, &w.cmd, &line);
		printf("%s\n", line.s ? line.s : "");
		fflush(stdout);
		buf_free(&line);
		status = ferror(stdout) ? 1 : 0;
		goto out;
	}
	fflush(stdout);
	if (w.compat.tmpdir) {
		/* the link reads copies that must be removed afterwards: run, don't exec */
		status = proc_system(w.cmd.v);
		status = status < 0 ? 127 : status;
		goto out;
	}
	execvp(w.cmd.v[0], w.cmd.v);
	log_err("%s: cannot run %s: %s", w.tool, w.cmd.v[0], strerror(errno));
	status = 127;
out:
	wrap_free(&w);
	return status;
}

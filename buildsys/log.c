#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static enum log_level level = LOG_INFO;
static log_sink_fn sink;
static void *sink_ctx;

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_set_sink(log_sink_fn fn, void *ctx)
{
	sink = fn;
	sink_ctx = ctx;
}

static const char *const prefix[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = NULL,
	[LOG_DEBUG] = "debug",
};

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > level)
		return;
	struct buf b = {0};
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	b.s = xmalloc((size_t)n + 1);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	if (sink) {
		sink(lvl, b.s, sink_ctx);
	} else {
		static int color = -1;
		if (color < 0)
			color = isatty(2) && !getenv("NO_COLOR");
		if (prefix[lvl] && color)
			fprintf(stderr, "kiln: \033[1;%sm%s:\033[0m %s\n",
				lvl == LOG_ERROR ? "31" : lvl == LOG_WARN ? "35" : "36",
				prefix[lvl], b.s);
		else if (prefix[lvl])
			fprintf(stderr, "kiln: %s: %s\n", prefix[lvl], b.s);
		else
			fprintf(stderr, "%s\n", b.s);
	}
	free(b.s);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static enum log_level level = LOG_INFO;
static log_sink_fn sink;
static void *sink_ctx;
static bool status_shown;

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
	if (!buf_vprintf(&b, fmt, ap))
		return;
	if (sink) {
		sink(lvl, b.s, sink_ctx);
	} else {
		static int color = -1;
		if (status_shown) {
			fputs("\r\033[K", stderr);
			status_shown = false;
		}
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

void log_status(const char *fmt, ...)
{
	if (sink || level < LOG_INFO || !isatty(2))
		return;
	fputs("\r\033[K", stderr);
	status_shown = false;
	if (!fmt)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	status_shown = true;
	fflush(stderr);
}

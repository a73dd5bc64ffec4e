#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static enum log_level level = LOG_INFO;
static log_sink_fn sink;
static void *sink_ctx;
static int sink_fd = -1;
static bool status_shown;
static log_event_fn event_sink;
static void *event_ctx;

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

void log_to_fd(int fd)
{
	sink_fd = fd;
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
	} else if (sink_fd >= 0) {
		dprintf(sink_fd, "kiln: %s%s\n",
			lvl == LOG_ERROR ? "error: " : lvl == LOG_WARN ? "warning: " : "", b.s);
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

bool log_status_shown(void)
{
	return !sink && sink_fd < 0 && level >= LOG_INFO && isatty(2);
}

void log_status(const char *fmt, ...)
{
	if (!log_status_shown())
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

void log_set_event_sink(log_event_fn fn, void *ctx)
{
	event_sink = fn;
	event_ctx = ctx;
}

void log_event(const struct log_event *e)
{
	if (event_sink)
		event_sink(e, event_ctx);
}

const char *log_event_name(enum log_event_kind kind)
{
	static const char *const names[] = {
		[LOG_EV_START] = "start",
		[LOG_EV_PROGRESS] = "progress",
		[LOG_EV_EXPLAIN] = "explain",
		[LOG_EV_FINISHED] = "finished",
		[LOG_EV_FETCHED] = "fetched",
		[LOG_EV_SUMMARY] = "summary",
	};
	return names[kind];
}

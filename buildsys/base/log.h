#ifndef KILN_LOG_H
#define KILN_LOG_H

#include <stdarg.h>

#include "base/util.h"

/* The one place kiln talks to the user about progress and failures.
 * Library code calls log_*; the CLI decides where it goes. */
enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

typedef void (*log_sink_fn)(enum log_level lvl, const char *msg, void *ctx);

/* messages above this level are dropped (default LOG_INFO) */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* route messages somewhere else (tests, JSON); NULL restores stderr */
void log_set_sink(log_sink_fn fn, void *ctx);

/* messages go to fd as "kiln: [error: |warning: ]MSG" lines, status lines are dropped
 * (a per-package log); -1 restores stderr */
void log_to_fd(int fd);

/* a transient status line: redrawn in place on a terminal; dropped when stderr is not a
 * terminal, when a sink is set or below LOG_INFO. NULL clears it. */
void log_status(const char *fmt, ...) KILN_PRINTF(1, 2);
/* would log_status draw now */
bool log_status_shown(void);

/* Events of a long operation (the recipe builder's progress, each package's end, the
 * summary of the run), structured so that the entry point renders them: as text through
 * log_status/log_info, or as JSON lines. Dropped when no event sink is set. */
enum log_event_kind {
	LOG_EV_START,    /* a package started: package, progress */
	LOG_EV_PROGRESS, /* progress only: a tick, a job ended */
	LOG_EV_EXPLAIN,  /* why a package is built: package, status ("build", "up to date"), detail */
	LOG_EV_FINISHED, /* a package ended: package, status ("ok", "failed"), seconds; when
	                  * failed, detail is its log and reason how it ended */
	LOG_EV_FETCHED,  /* sources fetched: progress.done of them, into detail (a directory) */
	LOG_EV_SUMMARY,  /* the run: status ("ok", "failed", "interrupted"), seconds, detail */
};

/* how far a run is: done (finished or failed) of total jobs, running now, seconds since
 * its start */
struct log_event_progress {
	size_t done, total, running;
	double elapsed;
};

struct log_event {
	enum log_event_kind kind;
	const char *package, *status, *detail, *reason; /* NULL: none */
	double seconds;                                  /* < 0: none */
	struct log_event_progress progress;
};

typedef void (*log_event_fn)(const struct log_event *e, void *ctx);

/* route events to fn; NULL drops them */
void log_set_event_sink(log_event_fn fn, void *ctx);
/* hand e to the event sink */
void log_event(const struct log_event *e);
/* "start", "progress", "explain", "finished", "fetched", "summary" */
const char *log_event_name(enum log_event_kind kind);

void log_msg(enum log_level lvl, const char *fmt, ...) KILN_PRINTF(2, 3);
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) KILN_PRINTF(2, 0);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

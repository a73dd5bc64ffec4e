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

/* a transient status line: redrawn in place on a terminal; dropped when stderr is not a
 * terminal, when a sink is set or below LOG_INFO. NULL clears it. */
void log_status(const char *fmt, ...) KILN_PRINTF(1, 2);

void log_msg(enum log_level lvl, const char *fmt, ...) KILN_PRINTF(2, 3);
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) KILN_PRINTF(2, 0);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

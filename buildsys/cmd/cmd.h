#ifndef KILN_CMD_H
#define KILN_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"

/* Commands: their descriptors, the one option parser and the usage text generated
 * from the descriptor. */

/* Exit codes: the work succeeded, the work failed, the command line was wrong. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* One option of a command. Its value goes into a field of the command's options
 * struct, stored there by set. */
struct cmd_opt {
	const char *name;    /* long name, without "--" */
	char letter;         /* short name, or 0 */
	const char *metavar; /* the value's name in the usage; NULL: the option takes none */
	const char *help;    /* for `kiln help CMD`; '\n' starts another line */
	size_t at;           /* offsetof the field in the options struct */
	/* store value (NULL for an option without one) into the field; false: a bad value */
	bool (*set)(void *field, const char *value);
	/* the usage error for a bad value is "OPTION BAD, not 'VALUE'", OPTION being -x when
	 * the option has a letter, else --name (e.g. BAD "needs seconds") */
	const char *bad;
};

/* at of field f of struct T, which must have type V */
#define CMD_AT(T, f, V) (offsetof(T, f) + 0 * sizeof((V *){&((T *)0)->f}))
/* the value handling of a cmd_opt: a flag sets a bool, a string is kept as it is, a
 * list gathers every value into a struct strv, seconds are a double >= 0, a sha256 is
 * kept when it is 64 hex digits */
#define CMD_FLAG(T, f) .at = CMD_AT(T, f, bool), .set = cmd_set_flag
#define CMD_STR(T, f) .at = CMD_AT(T, f, const char *), .set = cmd_set_str
#define CMD_LIST(T, f) .at = CMD_AT(T, f, struct strv), .set = cmd_set_list
#define CMD_SECONDS(T, f) .at = CMD_AT(T, f, double), .set = cmd_set_seconds, \
	.bad = "needs seconds"
#define CMD_SHA256(T, f) .at = CMD_AT(T, f, const char *), .set = cmd_set_sha256, \
	.bad = "needs 64 hex digits"
/* "text" or "json" into a bool that is true for json */
#define CMD_JSON(T, f) .at = CMD_AT(T, f, bool), .set = cmd_set_json, \
	.bad = "is text or json"

/* The runtime a command works for: --target SPEC and --pyodide DIR, as a field of the
 * command's options struct, selected with cmd_select_target after cmd_parse. */
struct cmd_target {
	const char *target, *pyodide;
};
#define CMD_TARGET_OPTS(T, f) \
	{"target", 0, "SPEC", "the Pyodide runtime: 0.25, 0.29, 314, a version, latest\n" \
		"or a directory (default $KILN_TARGET, else " CONFIG_DEFAULT_TARGET ")", \
		CMD_STR(T, f.target)}, \
	{"pyodide", 0, "DIR", "the Pyodide runtime directory, before --target\n" \
		"(default $KILN_PYODIDE)", CMD_STR(T, f.pyodide)}
/* select the runtime of t (config_select_target); false when none matches (reported) */
bool cmd_select_target(const struct cmd_target *t);

/* --index-url URL (repeatable, into a struct strv) and --no-index (a bool): the package
 * indexes of build/index.h, for the commands that fetch sources */
#define INDEX_OPTS(T, list, none) \
	{"index-url", 0, "URL", "package index (PEP 503/691) asked for sources after the\n" \
		"mirrors (repeatable; default $KILN_INDEX_URL, else pip's\n" \
		"index-url and extra-index-url, else PyPI)", CMD_LIST(T, list)}, \
	{"no-index", 0, NULL, "ask no package index", CMD_FLAG(T, none)}

struct kiln_cmd;

/* The shared remote cache (build/remote.h) of the commands that build: --remote-cache URL
 * and --remote-cache-mode read|readwrite, as a field of the command's options struct,
 * completed with cmd_remote_cache after cmd_parse. */
struct cmd_remote {
	const char *url; /* NULL: none */
	bool read_only;  /* --remote-cache-mode read: look up, never upload */
};
#define CMD_REMOTE_OPTS(T, f) \
	{"remote-cache", 0, "URL", "a remote cache shared by machines: look up builds (and\n" \
		"recipe sources) there, upload what is built (also\n$KILN_REMOTE_CACHE; docs/remote-cache.md)", \
		CMD_STR(T, f.url)}, \
	{"remote-cache-mode", 0, "read|readwrite", "readwrite (default) uploads, read only looks up", \
		.at = CMD_AT(T, f.read_only, bool), .set = cmd_set_remote_mode, \
		.bad = "needs read or readwrite"}
/* refuse a --remote-cache URL with credentials (a usage error, reported: false); without
 * --remote-cache, $KILN_REMOTE_CACHE when set */
bool cmd_remote_cache(const struct kiln_cmd *c, struct cmd_remote *r);

/* the setters of the macros above (a command may bring its own for other values) */
bool cmd_set_flag(void *field, const char *value);
bool cmd_set_str(void *field, const char *value);
bool cmd_set_list(void *field, const char *value);
bool cmd_set_seconds(void *field, const char *value);
bool cmd_set_sha256(void *field, const char *value);
bool cmd_set_json(void *field, const char *value);
bool cmd_set_remote_mode(void *field, const char *value);

/* One subcommand. Adding a command is adding a file that defines one of these
 * and a line in the table of main.c. */
struct kiln_cmd {
	const char *name;
	/* argv[0] is the command name; returns an EXIT_* code */
	int (*run)(int argc, char **argv);
	/* one line for `kiln --help` */
	const char *summary;
	/* what follows "kiln " in the usage line: "graph [OPTIONS] [SELECTION...]" */
	const char *synopsis;
	/* more about the command and its operands for `kiln help CMD`; may be NULL */
	const char *details;
	/* the options, up to an entry without a name; NULL: none */
	const struct cmd_opt *opts;
};

/* Parse the options of argv[1..*argc) by c->opts into the struct at opts, as
 * getopt_long does: options and operands in any order, "--" ends the options,
 * "--name=VALUE" and "-xVALUE", bundled letters, unique prefixes of long names. The
 * operands are moved to argv[1..*argc). False after a usage error has been reported
 * (fields set so far stay set). */
bool cmd_parse(const struct kiln_cmd *c, int *argc, char **argv, void *opts);

/* print a command's usage (the synopsis, the summary, the details, then a line per
 * option); to stderr with status EXIT_USAGE when is_error */
int cmd_usage(const struct kiln_cmd *c, int is_error);
/* report a usage error for command c and return EXIT_USAGE */
int cmd_usage_error(const struct kiln_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

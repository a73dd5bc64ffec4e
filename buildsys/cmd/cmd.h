#ifndef KILN_CMD_H
#define KILN_CMD_H

/* Exit codes: the work succeeded, the work failed, the command line was wrong. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* One subcommand. Adding a command is adding a file that defines one of these
 * and a line in the table of main.c. */
struct kiln_cmd {
	const char *name;
	/* argv[0] is the command name; returns an EXIT_* code */
	int (*run)(int argc, char **argv);
	/* one line for `kiln --help` */
	const char *summary;
	/* synopsis and options for `kiln help CMD` / `kiln CMD --help` */
	const char *usage;
};

/* print a command's usage; to stderr with status EXIT_USAGE when is_error */
int cmd_usage(const struct kiln_cmd *c, int is_error);
/* report a usage error for command c and return EXIT_USAGE */
int cmd_usage_error(const struct kiln_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

#ifndef KILN_DIAG_H
#define KILN_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

/* Located diagnostics about input files (recipes, graphs): collected, never
 * printed by the code that finds them. */
enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_level level;
	char *file;  /* path as given by the user */
	unsigned line, col; /* 1-based; 0 when unknown */
	char *field; /* dotted field path, e.g. "source.sha256"; may be NULL */
	char *msg;
	char *hint;  /* may be NULL */
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t errors, warnings;
};

/* record one diagnostic; field and hint may be NULL */
void diag_add(struct diags *d, enum diag_level lvl, const char *file, unsigned line,
	unsigned col, const char *field, const char *hint, const char *fmt, ...)
	KILN_PRINTF(8, 9);
/* stable order: file, line, column, then insertion */
void diags_sort(struct diags *d);
void diags_free(struct diags *d);
/* "file:L:C: error: field: msg" (no hint, no newline) */
char *diag_format(const struct diag *g);
/* whole report: one diagnostic per line, each hint on an indented "hint:" line */
char *diags_render(const struct diags *d);
/* JSON array of objects {file,line,col,level,field,message,hint} */
char *diags_render_json(const struct diags *d);
/* What a command that works on the recipes in dir does with their
 * diagnostics: show them on stderr; false, with a logged error that says to
 * fix them first, if any is an error. */
bool diags_show(const struct diags *d, const char *dir);

#endif

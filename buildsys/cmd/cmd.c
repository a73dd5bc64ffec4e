#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "build/remote.h"

/* the widest option column that the help texts are aligned after */
#define HELP_COLUMN_MAX 28

bool cmd_set_flag(void *field, const char *value)
{
	*(bool *)field = true;
	return true;
}

bool cmd_set_str(void *field, const char *value)
{
	*(const char **)field = value;
	return true;
}

bool cmd_set_list(void *field, const char *value)
{
	strv_add(field, value);
	return true;
}

bool cmd_set_seconds(void *field, const char *value)
{
	char *end;
	double s = strtod(value, &end);
	if (*end || s < 0)
		return false;
	*(double *)field = s;
	return true;
}

bool cmd_set_sha256(void *field, const char *value)
{
	if (strlen(value) != 64 || value[strspn(value, "0123456789abcdefABCDEF")])
		return false;
	*(const char **)field = value;
	return true;
}

bool cmd_set_json(void *field, const char *value)
{
	if (strcmp(value, "json") != 0 && strcmp(value, "text") != 0)
		return false;
	*(bool *)field = strcmp(value, "json") == 0;
	return true;
}

bool cmd_set_remote_mode(void *field, const char *value)
{
	if (strcmp(value, "read") != 0 && strcmp(value, "readwrite") != 0)
		return false;
	*(bool *)field = strcmp(value, "read") == 0;
	return true;
}

bool cmd_remote_cache(const struct kiln_cmd *c, struct cmd_remote *r)
{
	if (r->url && remote_url_has_credentials(r->url)) {
		cmd_usage_error(c, "--remote-cache takes no credentials: use $KILN_REMOTE_CACHE_AUTH "
			"or a netrc file");
		return false;
	}
	const char *env = getenv("KILN_REMOTE_CACHE");
	if (!r->url && env && *env)
		r->url = env;
	return true;
}

bool cmd_select_target(const struct cmd_target *t)
{
	return config_select_target(t->pyodide, t->target);
}

int cmd_usage_error(const struct kiln_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kiln %s: ", c->name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'kiln help %s' for usage.\n", c->name);
	return EXIT_USAGE;
}

/* the option named name[0..n), or the only one whose name starts so */
static const struct cmd_opt *find_long(const struct cmd_opt *opts, const char *name, size_t n)
{
	const struct cmd_opt *found = NULL;
	size_t prefixed = 0;
	for (const struct cmd_opt *o = opts; o && o->name; o++) {
		if (strncmp(o->name, name, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return o;
		found = o;
		prefixed++;
	}
	return prefixed == 1 ? found : NULL;
}

static const struct cmd_opt *find_letter(const struct cmd_opt *opts, char letter)
{
	for (const struct cmd_opt *o = opts; o && o->name; o++)
		if (o->letter == letter)
			return o;
	return NULL;
}

/* store value into the option's field, or report it as bad */
static bool apply(const struct kiln_cmd *c, const struct cmd_opt *o, const char *value,
	void *opts)
{
	if (o->set((char *)opts + o->at, value))
		return true;
	const char *shown = value ? value : ""; /* a flag has none */
	if (o->letter)
		cmd_usage_error(c, "-%c %s, not '%s'", o->letter, o->bad, shown);
	else
		cmd_usage_error(c, "--%s %s, not '%s'", o->name, o->bad, shown);
	return false;
}

/* --name, --name=VALUE or --name VALUE at argv[*i] */
static bool parse_long(const struct kiln_cmd *c, int argc, char **argv, int *i, void *opts)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	const struct cmd_opt *o = find_long(c->opts, arg, eq ? (size_t)(eq - arg) : strlen(arg));
	if (!o) {
		cmd_usage_error(c, "unknown option '%s'", argv[*i]);
		return false;
	}
	if (!o->metavar && eq) {
		cmd_usage_error(c, "--%s takes no value", o->name);
		return false;
	}
	if (!o->metavar || eq)
		return apply(c, o, eq ? eq + 1 : NULL, opts);
	if (*i + 1 >= argc) {
		cmd_usage_error(c, "--%s needs a value", o->name);
		return false;
	}
	return apply(c, o, argv[++*i], opts);
}

/* -x, bundled letters -kx, -xVALUE or -x VALUE at argv[*i] */
static bool parse_letters(const struct kiln_cmd *c, int argc, char **argv, int *i, void *opts)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct cmd_opt *o = find_letter(c->opts, *p);
		if (!o) {
			cmd_usage_error(c, "unknown option '%s'", argv[*i]);
			return false;
		}
		if (!o->metavar) {
			if (!apply(c, o, NULL, opts))
				return false;
			continue;
		}
		if (p[1])
			return apply(c, o, p + 1, opts);
		if (*i + 1 >= argc) {
			cmd_usage_error(c, "-%c needs a value", o->letter);
			return false;
		}
		return apply(c, o, argv[++*i], opts);
	}
	return true;
}

bool cmd_parse(const struct kiln_cmd *c, int *argc, char **argv, void *opts)
{
	int operands = 1;
	bool options = true;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (!options || a[0] != '-' || a[1] == '\0')
			argv[operands++] = argv[i];
		else if (strcmp(a, "--") == 0)
			options = false;
		else if (!(a[1] == '-' ? parse_long : parse_letters)(c, *argc, argv, &i, opts))
			return false;
	}
	argv[operands] = NULL;
	*argc = operands;
	return true;
}

/* "-x, --name VALUE" or "--name VALUE" */
static int option_lhs(const struct cmd_opt *o, char *out, size_t size)
{
	const char *sp = o->metavar ? " " : "", *meta = o->metavar ? o->metavar : "";
	if (o->letter)
		return snprintf(out, size, "-%c, --%s%s%s", o->letter, o->name, sp, meta);
	return snprintf(out, size, "--%s%s%s", o->name, sp, meta);
}

static void write_options(FILE *f, const struct cmd_opt *opts)
{
	char lhs[128];
	int col = 0;
	for (const struct cmd_opt *o = opts; o->name; o++) {
		int w = option_lhs(o, lhs, sizeof(lhs));
		if (w <= HELP_COLUMN_MAX && w > col)
			col = w;
	}
	fprintf(f, "\noptions:\n");
	for (const struct cmd_opt *o = opts; o->name; o++) {
		int w = option_lhs(o, lhs, sizeof(lhs));
		fprintf(f, "  %s%*s", lhs, w <= col ? col - w + 2 : 2, "");
		for (const char *h = o->help;;) {
			size_t n = strcspn(h, "\n");
			fprintf(f, "%.*s\n", (int)n, h);
			if (!h[n])
				break;
			h += n + 1;
			fprintf(f, "%*s", col + 4, "");
		}
	}
}

int cmd_usage(const struct kiln_cmd *c, int is_error)
{
	FILE *f = is_error ? stderr : stdout;
	fprintf(f, "usage: kiln %s\n\n%s\n", c->synopsis, c->summary);
	if (c->details)
		fprintf(f, "\n%s\n", c->details);
	if (c->opts && c->opts->name)
		write_options(f, c->opts);
	return is_error ? EXIT_USAGE : EXIT_OK;
}

#include "toolchain/argv.h"

#include <string.h>

void argv_split(const char *s, struct strv *out)
{
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		struct buf w = {0};
		char q = 0;
		buf_add(&w, "", 0);
		for (; *s && (q || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
			if (q && *s == q)
				q = 0;
			else if (!q && (*s == '"' || *s == '\''))
				q = *s;
			else if (*s == '\\' && q != '\'' && s[1])
				buf_putc(&w, *++s);
			else
				buf_putc(&w, *s);
		}
		strv_push(out, buf_take(&w));
	}
}

void argv_quote(struct buf *b, const char *w)
{
	bool plain = *w != '\0';
	for (const char *s = w; *s && plain; s++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "_@%+=:,./-", *s) != NULL;
	if (plain) {
		buf_puts(b, w);
		return;
	}
	buf_putc(b, '\'');
	for (const char *s = w; *s; s++)
		if (*s == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *s);
	buf_putc(b, '\'');
}

void argv_join(struct buf *b, const struct strv *cmd)
{
	for (size_t i = 0; i < cmd->n; i++) {
		if (i)
			buf_putc(b, ' ');
		argv_quote(b, cmd->v[i]);
	}
}

bool argv_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool argv_has_prefix_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (str_startswith(s, *list))
			return true;
	return false;
}

/* options whose value is the next argument (emcc's and clang's common ones) */
static const char *const takes_value[] = {"-o", "-D", "-U", "-I", "-L", "-l", "-x", "-MF", "-MT",
	"-MQ", "-MJ", "-include", "-imacros", "-idirafter", "-iprefix", "-iwithprefix",
	"-iwithprefixbefore", "-isysroot", "-imultilib", "-isystem", "-iquote", "-A",
	"-Xpreprocessor", "-Xlinker", "-Xclang", "-mllvm", "-include-pch", "-install_name",
	"-compatibility_version", "-current_version", "-target", "-arch", NULL};

bool argv_takes_value(const char *opt)
{
	return argv_in_list(opt, takes_value);
}

const char *argv_output(const struct strv *args)
{
	const char *o = NULL;
	for (size_t i = 0; i < args->n; i++) {
		if (strcmp(args->v[i], "-o") == 0 && i + 1 < args->n)
			o = args->v[++i];
		else if (str_startswith(args->v[i], "-o") && args->v[i][2])
			o = args->v[i] + 2;
		else if (argv_takes_value(args->v[i]))
			i++;
	}
	return o;
}

#include "recipe/diag.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void diag_add(struct diags *d, enum diag_level lvl, const char *file, unsigned line,
	unsigned col, const char *field, const char *hint, const char *fmt, ...)
{
	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	struct diag *g = &d->v[d->n++];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	g->msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	g->msg[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(g->msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	g->level = lvl;
	g->file = xstrdup(file ? file : "");
	g->line = line;
	g->col = col;
	g->field = field ? xstrdup(field) : NULL;
	g->hint = hint ? xstrdup(hint) : NULL;
	if (lvl == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void diags_sort(struct diags *d)
{
	/* stable insertion sort: equal positions keep the order found */
	for (size_t i = 1; i < d->n; i++) {
		struct diag key = d->v[i];
		size_t j = i;
		while (j > 0) {
			int c = strcmp(d->v[j - 1].file, key.file);
			if (!c)
				c = d->v[j - 1].line != key.line ? (d->v[j - 1].line > key.line ? 1 : -1)
				    : d->v[j - 1].col != key.col ? (d->v[j - 1].col > key.col ? 1 : -1) : 0;
			if (c <= 0)
				break;
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = key;
	}
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].field);
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static const char *lvlname(enum diag_level l)
{
	return l == DIAG_ERROR ? "error" : "warning";
}

static void format_into(struct buf *b, const struct diag *g)
{
	buf_puts(b, g->file);
	if (g->line)
		buf_printf(b, ":%u:%u", g->line, g->col);
	buf_printf(b, ": %s: ", lvlname(g->level));
	if (g->field)
		buf_printf(b, "%s: ", g->field);
	buf_puts(b, g->msg);
}

char *diag_format(const struct diag *g)
{
	struct buf b = {0};
	format_into(&b, g);
	return buf_take(&b);
}

char *diags_render(const struct diags *d)
{
	struct buf b = {0};
	for (size_t i = 0; i < d->n; i++) {
		format_into(&b, &d->v[i]);
		buf_putc(&b, '\n');
		if (d->v[i].hint)
			buf_printf(&b, "  hint: %s\n", d->v[i].hint);
	}
	return buf_take(&b);
}

static void oom_if(const void *p)
{
	if (!p) {
		fputs("kiln: fatal: out of memory\n", stderr);
		exit(1);
	}
}

char *diags_render_json(const struct diags *d)
{
	cJSON *arr = cJSON_CreateArray();
	oom_if(arr);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		cJSON *o = cJSON_CreateObject();
		oom_if(o);
		cJSON_AddItemToArray(arr, o);
		oom_if(cJSON_AddStringToObject(o, "file", g->file));
		oom_if(cJSON_AddNumberToObject(o, "line", g->line));
		oom_if(cJSON_AddNumberToObject(o, "col", g->col));
		oom_if(cJSON_AddStringToObject(o, "level", lvlname(g->level)));
		oom_if(g->field ? cJSON_AddStringToObject(o, "field", g->field)
				: cJSON_AddNullToObject(o, "field"));
		oom_if(cJSON_AddStringToObject(o, "message", g->msg));
		oom_if(g->hint ? cJSON_AddStringToObject(o, "hint", g->hint)
			       : cJSON_AddNullToObject(o, "hint"));
	}
	char *s = cJSON_PrintUnformatted(arr);
	oom_if(s);
	cJSON_Delete(arr);
	char *r = xstrdup(s);
	cJSON_free(s);
	return r;
}

bool diags_show(const struct diags *d, const char *dir)
{
	if (d->n) {
		char *text = diags_render(d);
		fputs(text, stderr);
		free(text);
	}
	if (d->errors) {
		log_err("%zu error%s in %s; fix them first (kiln check %s)", d->errors,
			d->errors == 1 ? "" : "s", dir, dir);
		return false;
	}
	return true;
}

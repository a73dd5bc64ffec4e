#include "recipe/ydoc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static bool in(char c, const char *set)
{
	return c && strchr(set, c);
}

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!in(s[i], set))
			return false;
	return true;
}

#define DIGITS "0123456789"

/* (:[0-5]?[0-9])+ at s; returns characters consumed, 0 if none */
static size_t sexagesimal(const char *s, size_t n)
{
	size_t i = 0, groups = 0;
	while (i < n && s[i] == ':') {
		size_t j = i + 1;
		if (j + 1 < n && in(s[j], "012345") && in(s[j + 1], DIGITS))
			j += 2;
		else if (j < n && in(s[j], DIGITS))
			j += 1;
		else
			break;
		i = j;
		groups++;
	}
	return groups ? i : 0;
}

static bool is_int(const char *s, size_t n)
{
	if (n && (s[0] == '-' || s[0] == '+'))
		s++, n--;
	if (!n)
		return false;
	if (n > 2 && s[0] == '0' && s[1] == 'b')
		return all_in(s + 2, n - 2, "01_");
	if (n > 2 && s[0] == '0' && s[1] == 'x')
		return all_in(s + 2, n - 2, DIGITS "abcdefABCDEF_");
	if (s[0] == '0')
		return all_in(s + 1, n - 1, "01234567_");
	if (!in(s[0], "123456789"))
		return false;
	size_t i = 1;
	while (i < n && in(s[i], DIGITS "_"))
		i++;
	if (i == n)
		return true;
	return sexagesimal(s + i, n - i) == n - i;
}

/* [eE][-+][0-9]+ */
static bool exponent(const char *s, size_t n)
{
	return n >= 3 && in(s[0], "eE") && in(s[1], "-+") && all_in(s + 2, n - 2, DIGITS);
}

static bool is_float(const char *s, size_t n)
{
	if (n == 4 && s[0] == '.' && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) ||
					 !memcmp(s, ".NAN", 4)))
		return true;
	if (n >= 2 && s[0] == '.' && in(s[1], DIGITS)) {
		size_t i = 2;
		while (i < n && in(s[i], DIGITS "_"))
			i++;
		return i == n || exponent(s + i, n - i);
	}
	if (n && (s[0] == '-' || s[0] == '+'))
		s++, n--;
	if (n == 4 && (!memcmp(s, ".inf", 4) || !memcmp(s, ".Inf", 4) || !memcmp(s, ".INF", 4)))
		return true;
	if (!n || !in(s[0], DIGITS))
		return false;
	size_t i = 1;
	while (i < n && in(s[i], DIGITS "_"))
		i++;
	size_t sexa = sexagesimal(s + i, n - i);
	i += sexa;
	if (i >= n || s[i] != '.')
		return false;
	i++;
	while (i < n && in(s[i], DIGITS "_"))
		i++;
	return i == n || (!sexa && exponent(s + i, n - i));
}

static bool is_timestamp(const char *s, size_t n)
{
	/* YYYY-MM-DD, optionally followed by a time: enough to classify */
	if (n < 8 || !all_in(s, 4, DIGITS) || s[4] != '-')
		return false;
	size_t i = 5, k = 0;
	while (i < n && in(s[i], DIGITS) && k < 2)
		i++, k++;
	if (!k || i >= n || s[i] != '-')
		return false;
	i++, k = 0;
	while (i < n && in(s[i], DIGITS) && k < 2)
		i++, k++;
	if (!k)
		return false;
	if (i == n)
		return n == 10;
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ' && s[i] != '\t')
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == 'T' || s[i] == 't'))
		i++;
	return i + 7 < n + 1 && in(s[i], DIGITS) && all_in(s + i, n - i, DIGITS ":.-+Zz \t");
}

static void resolve_plain(struct ynode *y)
{
	static const char *const nulls[] = {"~", "null", "Null", "NULL"};
	static const char *const yes[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
	static const char *const no[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
	const char *s = y->s;
	size_t n = y->len;
	y->type = YSCALAR_STR;
	if (!n) {
		y->type = YSCALAR_NULL;
		return;
	}
	/* the words below all start with one of ~nNyYtToOfF, numbers with one of
	 * -+.0-9; most scalars start with something else */
	switch (s[0]) {
	case '~': case 'n': case 'N': case 'y': case 'Y': case 't': case 'T': case 'o': case 'O':
	case 'f': case 'F': case '-': case '+': case '.': case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7': case '8': case '9':
		break;
	default:
		return;
	}
	if (n <= 5) {
		for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
			if (!strcmp(s, nulls[i])) {
				y->type = YSCALAR_NULL;
				return;
			}
		for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
			if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
				y->type = YSCALAR_BOOL;
				y->bval = !strcmp(s, yes[i]);
				return;
			}
		}
	}
	if (!in(s[0], "-+.0123456789"))
		return;
	if (is_int(s, n))
		y->type = YSCALAR_INT;
	else if (is_float(s, n))
		y->type = YSCALAR_FLOAT;
	else if (is_timestamp(s, n))
		y->type = YSCALAR_TIMESTAMP;
}

enum yscalar ydoc_resolve(const char *s)
{
	struct ynode y = {.kind = YNODE_SCALAR, .s = s, .len = strlen(s)};
	resolve_plain(&y);
	return y.type;
}

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	struct ynode *node;
	size_t base; /* first child in the scratch stack */
};

struct builder {
	struct arena *a;
	const char *file;
	struct diags *d;
	struct ynode **scratch;
	size_t nscratch, capscratch;
	struct frame *frames;
	size_t nframes, capframes;
	struct ynode *root;
	bool ok;
};

static void push_scratch(struct builder *b, struct ynode *y)
{
	if (b->nscratch < b->capscratch) {
		b->scratch[b->nscratch++] = y;
		return;
	}
	b->scratch = xgrow(b->scratch, &b->capscratch, b->nscratch + 1, sizeof(*b->scratch));
	b->scratch[b->nscratch++] = y;
}

/* dotted path of the innermost open container, for messages */
static void container_path(const struct builder *b, struct buf *out)
{
	for (size_t i = 0; i + 1 < b->nframes; i++) {
		const struct frame *f = &b->frames[i];
		/* the child container itself is the last item pushed before its frame */
		size_t child = b->frames[i + 1].base - 1;
		if (f->node->kind == YNODE_MAP) {
			if (out->len)
				buf_putc(out, '.');
			buf_puts(out, b->scratch[child - 1]->s);
		} else {
			buf_printf(out, "[%zu]", child - f->base);
		}
	}
}

static void add_child(struct builder *b, struct ynode *y)
{
	if (!b->nframes) {
		b->root = y;
		return;
	}
	push_scratch(b, y);
}

static int keycmp(const void *pa, const void *pb)
{
	const struct ynode *a = *(struct ynode *const *)pa, *b = *(struct ynode *const *)pb;
	int c = strcmp(a->s, b->s);
	if (c)
		return c;
	return a->line != b->line ? (a->line < b->line ? -1 : 1) : (a->col < b->col ? -1 : a->col > b->col);
}

static void report_dup(struct builder *b, const struct ynode *first, const struct ynode *dup)
{
	struct buf path = {0};
	container_path(b, &path);
	if (path.len)
		buf_putc(&path, '.');
	buf_puts(&path, dup->s);
	diag_add(b->d, DIAG_ERROR, b->file, dup->line, dup->col, path.s,
		"remove one of them: YAML mappings must have unique keys",
		"duplicate key (first defined at %u:%u)", first->line, first->col);
	buf_free(&path);
}

static void check_duplicates(struct builder *b, struct ynode *map)
{
	size_t n = map->n;
	if (n < 2)
		return;
	if (n <= 32) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (map->v[2 * j]->kind == YNODE_SCALAR &&
				    map->v[2 * i]->kind == YNODE_SCALAR &&
				    !strcmp(map->v[2 * i]->s, map->v[2 * j]->s)) {
					report_dup(b, map->v[2 * j], map->v[2 * i]);
					break;
				}
		return;
	}
	struct ynode **keys = xmalloc(n * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = map->v[2 * i];
	array_sort(keys, n, sizeof(*keys), keycmp);
	for (size_t i = 1; i < n; i++) {
		size_t j = i - 1;
		while (j > 0 && !strcmp(keys[j - 1]->s, keys[i]->s))
			j--;
		if (!strcmp(keys[j]->s, keys[i]->s))
			report_dup(b, keys[j], keys[i]);
	}
	free(keys);
}

static void fail(struct builder *b, const yaml_mark_t *m, const char *hint, const char *msg)
{
	diag_add(b->d, DIAG_ERROR, b->file, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
		hint, "%s", msg);
	b->ok = false;
}

static struct ynode *new_node(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *y = arena_alloc(b->a, sizeof(*y));
	memset(y, 0, sizeof(*y));
	y->kind = kind;
	y->line = (unsigned)m->line + 1;
	y->col = (unsigned)m->column + 1;
	return y;
}

static bool check_tag(struct builder *b, const yaml_event_t *ev, const char *tag, const char *want)
{
	if (!tag || !strcmp(tag, "!"))
		return true;
	if (str_startswith(tag, TAG_PREFIX) && !strcmp(tag + strlen(TAG_PREFIX), want))
		return true;
	struct buf msg = {0};
	buf_printf(&msg, "unsupported YAML tag '%s'", tag);
	fail(b, &ev->start_mark, "recipes use plain YAML: strings, lists and mappings", msg.s);
	buf_free(&msg);
	return false;
}

static bool on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	struct ynode *y = new_node(b, YNODE_SCALAR, &ev->start_mark);
	y->len = ev->data.scalar.length;
	y->s = arena_strndup(b->a, (const char *)ev->data.scalar.value, y->len);
	if (tag && str_startswith(tag, TAG_PREFIX)) {
		const char *t = tag + strlen(TAG_PREFIX);
		if (!strcmp(t, "str"))
			y->type = YSCALAR_STR;
		else if (!strcmp(t, "null") || !strcmp(t, "bool") || !strcmp(t, "int") ||
			 !strcmp(t, "float"))
			resolve_plain(y);
		else if (!check_tag(b, ev, tag, "str"))
			return false;
	} else if (tag && strcmp(tag, "!")) {
		return check_tag(b, ev, tag, "str");
	} else if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		resolve_plain(y);
	}
	add_child(b, y);
	return true;
}

static bool on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
	const char *tag = (const char *)(kind == YNODE_MAP ? ev->data.mapping_start.tag
							 : ev->data.sequence_start.tag);
	if (!check_tag(b, ev, tag, kind == YNODE_MAP ? "map" : "seq"))
		return false;
	if (b->nframes >= YDOC_MAX_DEPTH) {
		fail(b, &ev->start_mark, "flatten the document", "nesting deeper than "
			"64 levels");
		return false;
	}
	struct ynode *y = new_node(b, kind, &ev->start_mark);
	add_child(b, y);
	b->frames = xgrow(b->frames, &b->capframes, b->nframes + 1, sizeof(*b->frames));
	b->frames[b->nframes++] = (struct frame){y, b->nscratch};
	return true;
}

static void on_end(struct builder *b)
{
	struct frame *f = &b->frames[b->nframes - 1];
	struct ynode *y = f->node;
	size_t count = b->nscratch - f->base;
	y->v = arena_alloc(b->a, (count ? count : 1) * sizeof(*y->v));
	if (count)
		memcpy(y->v, b->scratch + f->base, count * sizeof(*y->v));
	y->n = y->kind == YNODE_MAP ? count / 2 : count;
	if (y->kind == YNODE_MAP)
		check_duplicates(b, y);
	b->nscratch = f->base;
	b->nframes--;
}

static bool on_key_check(struct builder *b, const yaml_event_t *ev)
{
	/* a mapping key must be a scalar */
	if (!b->nframes)
		return true;
	struct frame *f = &b->frames[b->nframes - 1];
	if (f->node->kind != YNODE_MAP || (b->nscratch - f->base) % 2)
		return true;
	if (ev->type != YAML_SEQUENCE_START_EVENT && ev->type != YAML_MAPPING_START_EVENT)
		return true;
	fail(b, &ev->start_mark, "use a plain string as the key", "mapping keys must be scalars");
	return false;
}

bool ydoc_parse(struct arena *a, const char *file, const char *buf, size_t len,
	struct diags *d, struct ynode **root)
{
	struct builder b = {.a = a, .file = file, .d = d, .ok = true};
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;
	int docs = 0;

	*root = NULL;
	if (len > YDOC_MAX_SIZE) {
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, "recipes are small text files",
			"file is larger than 1 MiB (%zu bytes)", len);
		return false;
	}
	if (!yaml_parser_initialize(&p))
		xoom(); /* its only failure */
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && b.ok) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR)
				xoom();
			struct buf msg = {0};
			yaml_mark_t m = p.problem_mark;
			if (p.error == YAML_READER_ERROR) {
				/* the reader only knows the byte offset */
				m.line = m.column = 0;
				for (size_t i = 0; i < p.problem_offset && i < len; i++) {
					if (buf[i] == '\n')
						m.line++, m.column = 0;
					else
						m.column++;
				}
			}
			buf_printf(&msg, "YAML syntax error: %s", p.problem ? p.problem : "unknown");
			if (p.error == YAML_READER_ERROR)
				buf_printf(&msg, " (byte 0x%02x)", (unsigned)p.problem_value & 0xffu);
			if (p.context)
				buf_printf(&msg, " %s", p.context);
			if (p.context && (p.context_mark.line != m.line ||
					  p.context_mark.column != m.column))
				buf_printf(&msg, " (at %zu:%zu)", p.context_mark.line + 1,
					p.context_mark.column + 1);
			fail(&b, &m, p.error == YAML_READER_ERROR ? "recipes are UTF-8 text" : NULL,
				msg.s);
			buf_free(&msg);
			break;
		}
		if (!on_key_check(&b, &ev)) {
			yaml_event_delete(&ev);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				fail(&b, &ev.start_mark, "a recipe is one YAML document",
					"more than one YAML document");
			break;
		case YAML_ALIAS_EVENT:
			fail(&b, &ev.start_mark, "write the value out in full",
				"YAML aliases are not allowed in recipes");
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&b, &ev, YNODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&b, &ev, YNODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(b.scratch);
	free(b.frames);
	if (b.ok)
		*root = b.root;
	return b.ok;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (map->v[2 * i]->kind == YNODE_SCALAR && !strcmp(map->v[2 * i]->s, key))
			return map->v[2 * i + 1];
	return NULL;
}

const char *ynode_describe(const struct ynode *n)
{
	if (n->kind == YNODE_MAP)
		return "a mapping";
	if (n->kind == YNODE_SEQ)
		return "a list";
	switch (n->type) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "a boolean";
	case YSCALAR_INT:
		return "an integer";
	case YSCALAR_FLOAT:
		return "a number";
	case YSCALAR_TIMESTAMP:
		return "a date";
	case YSCALAR_STR:
		break;
	}
	return "a string";
}

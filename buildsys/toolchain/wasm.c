#include "toolchain/wasm.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

/* A cursor over [p, p+len). Every read checks the bounds; the first failure
 * records a reason and turns all later reads into no-ops. */
struct rd {
	const uint8_t *p;
	size_t len, pos;
	size_t base;       /* offset of p in the whole file, for messages */
	const char *err;   /* first failure, static string */
	size_t err_at;
};

static void fail(struct rd *r, const char *why)
{
	if (!r->err) {
		r->err = why;
		r->err_at = r->base + r->pos;
	}
}

static size_t left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->pos;
}

static uint8_t rd_u8(struct rd *r)
{
	if (left(r) < 1) {
		fail(r, "unexpected end of data");
		return 0;
	}
	return r->p[r->pos++];
}

static uint64_t rd_leb(struct rd *r, unsigned maxbits)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		if (left(r) < 1) {
			fail(r, "unexpected end of data in LEB128 number");
			return 0;
		}
		uint8_t b = r->p[r->pos++];
		if (shift >= maxbits || (shift + 7 > maxbits && (b & 0x7f) >> (maxbits - shift))) {
			fail(r, "LEB128 number too large");
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static uint32_t rd_u32(struct rd *r)
{
	return (uint32_t)rd_leb(r, 32);
}

/* a sub-cursor over the next n bytes, which the parent skips */
static struct rd rd_sub(struct rd *r, size_t n)
{
	struct rd s = {0};
	if (left(r) < n) {
		fail(r, "length runs past the end of its container");
		s.err = r->err;
		return s;
	}
	s.p = r->p + r->pos;
	s.len = n;
	s.base = r->base + r->pos;
	r->pos += n;
	return s;
}

/* propagate a sub-cursor's failure to its parent */
static void rd_join(struct rd *r, const struct rd *s)
{
	if (s->err && !r->err) {
		r->err = s->err;
		r->err_at = s->err_at;
	}
}

/* a vector count: every element takes at least min bytes */
static uint32_t rd_count(struct rd *r, size_t min)
{
	uint32_t n = rd_u32(r);
	if (!r->err && (size_t)n > left(r) / min) {
		fail(r, "element count larger than the data");
		return 0;
	}
	return r->err ? 0 : n;
}

static char *rd_name(struct rd *r)
{
	uint32_t n = rd_u32(r);
	if (r->err)
		return NULL;
	if (left(r) < n) {
		fail(r, "name runs past the end of its container");
		return NULL;
	}
	const uint8_t *s = r->p + r->pos;
	if (memchr(s, 0, n)) {
		fail(r, "name contains a NUL byte");
		return NULL;
	}
	r->pos += n;
	return xstrndup((const char *)s, n);
}

/* the next section, or subsection of a custom section: its id and a sub-cursor over its
 * contents; false at a failure */
static bool rd_section(struct rd *r, uint8_t *id, struct rd *s)
{
	*id = rd_u8(r);
	uint32_t size = rd_u32(r);
	*s = rd_sub(r, size);
	return !r->err;
}

static bool is_valtype(uint8_t t)
{
	return t == 0x7f || t == 0x7e || t == 0x7d || t == 0x7c || t == 0x7b || t == 0x70 ||
	       t == 0x6f;
}

static void rd_limits(struct rd *r)
{
	uint8_t flags = rd_u8(r);
	if (flags & ~0x07u) {
		fail(r, "unknown limits flags");
		return;
	}
	unsigned bits = (flags & 0x04) ? 64 : 32;
	rd_leb(r, bits);
	if (flags & 0x01)
		rd_leb(r, bits);
}

static void parse_types(struct rd *r, struct wasm_module *m)
{
	uint32_t n = rd_count(r, 3);
	m->types = xcalloc(n, sizeof(*m->types));
	for (uint32_t i = 0; i < n && !r->err; i++) {
		if (rd_u8(r) != 0x60) {
			fail(r, "unsupported type form (only function types are read)");
			return;
		}
		struct wasm_functype *t = &m->types[i];
		m->ntypes = i + 1;
		for (int k = 0; k < 2; k++) {
			uint32_t c = rd_count(r, 1);
			uint8_t *v = xmalloc(c);
			for (uint32_t j = 0; j < c; j++) {
				v[j] = rd_u8(r);
				if (!r->err && !is_valtype(v[j]))
					fail(r, "unknown value type");
			}
			if (k == 0) {
				t->params = v;
				t->nparams = c;
			} else {
				t->results = v;
				t->nresults = c;
			}
		}
	}
}

static void parse_imports(struct rd *r, struct wasm_module *m)
{
	uint32_t n = rd_count(r, 4);
	m->imports = xcalloc(n, sizeof(*m->imports));
	for (uint32_t i = 0; i < n && !r->err; i++) {
		struct wasm_import *im = &m->imports[i];
		im->module = rd_name(r);
		im->name = rd_name(r);
		m->nimports = i + 1;
		uint8_t kind = rd_u8(r);
		switch (kind) {
		case WASM_KIND_FUNC:
			im->type = rd_u32(r);
			m->nfuncimports++;
			break;
		case WASM_KIND_TABLE:
			if (!is_valtype(rd_u8(r)))
				fail(r, "unknown table element type");
			rd_limits(r);
			break;
		case WASM_KIND_MEMORY:
			rd_limits(r);
			break;
		case WASM_KIND_GLOBAL:
			if (!is_valtype(rd_u8(r)))
				fail(r, "unknown global type");
			if (rd_u8(r) > 1)
				fail(r, "bad global mutability");
			break;
		case WASM_KIND_TAG:
			rd_u8(r);
			im->type = rd_u32(r);
			break;
		default:
			fail(r, "unknown import kind");
			return;
		}
		im->kind = (enum wasm_kind)kind;
	}
}

static void parse_funcs(struct rd *r, struct wasm_module *m)
{
	uint32_t n = rd_count(r, 1);
	m->funcs = xcalloc(n, sizeof(*m->funcs));
	for (uint32_t i = 0; i < n && !r->err; i++)
		m->funcs[i] = rd_u32(r);
	m->nfuncs = r->err ? 0 : n;
}

static void parse_exports(struct rd *r, struct wasm_module *m)
{
	uint32_t n = rd_count(r, 3);
	m->exports = xcalloc(n, sizeof(*m->exports));
	for (uint32_t i = 0; i < n && !r->err; i++) {
		struct wasm_export *e = &m->exports[i];
		e->name = rd_name(r);
		m->nexports = i + 1;
		uint8_t kind = rd_u8(r);
		if (!r->err && kind > WASM_KIND_TAG)
			fail(r, "unknown export kind");
		e->kind = (enum wasm_kind)kind;
		e->index = rd_u32(r);
	}
}

static void add_needed(struct rd *r, struct wasm_module *m)
{
	uint32_t n = rd_count(r, 1);
	for (uint32_t i = 0; i < n && !r->err; i++) {
		char *s = rd_name(r);
		if (!s)
			return;
		m->needed = xrealloc(m->needed, (m->nneeded + 1) * sizeof(*m->needed));
		m->needed[m->nneeded++] = s;
	}
}

/* dylink.0 import info, applied once the import section is known */
struct impinfo {
	char *module, *name;
	uint32_t flags;
};

struct pending {
	struct impinfo *v;
	size_t n, cap;
};

static void pending_free(struct pending *pi)
{
	for (size_t i = 0; i < pi->n; i++) {
		free(pi->v[i].module);
		free(pi->v[i].name);
	}
	free(pi->v);
}

static void parse_dylink0(struct rd *r, struct wasm_module *m, struct pending *pi)
{
	while (left(r) > 0) {
		uint8_t type;
		struct rd s;
		if (!rd_section(r, &type, &s))
			return;
		switch (type) {
		case 1: /* WASM_DYLINK_MEM_INFO */
			for (int i = 0; i < 4; i++)
				rd_u32(&s);
			break;
		case 2: /* WASM_DYLINK_NEEDED */
			add_needed(&s, m);
			break;
		case 3: { /* WASM_DYLINK_EXPORT_INFO */
			uint32_t n = rd_count(&s, 2);
			for (uint32_t i = 0; i < n && !s.err; i++) {
				free(rd_name(&s));
				rd_u32(&s);
			}
			break;
		}
		case 4: { /* WASM_DYLINK_IMPORT_INFO */
			uint32_t n = rd_count(&s, 3);
			for (uint32_t i = 0; i < n && !s.err; i++) {
				struct impinfo ii;
				ii.module = rd_name(&s);
				ii.name = rd_name(&s);
				ii.flags = rd_u32(&s);
				if (s.err) {
					free(ii.module);
					free(ii.name);
					break;
				}
				pi->v = xgrow(pi->v, &pi->cap, pi->n + 1, sizeof(*pi->v));
				pi->v[pi->n++] = ii;
			}
			break;
		}
		default: /* unknown subsections are skipped, as the loader does */
			s.pos = s.len;
			break;
		}
		if (!s.err && s.pos != s.len)
			fail(&s, "trailing bytes in dylink.0 subsection");
		rd_join(r, &s);
	}
}

/* the pre-LLVM-13 "dylink" section: four numbers and the needed list */
static void parse_dylink_legacy(struct rd *r, struct wasm_module *m)
{
	for (int i = 0; i < 4; i++)
		rd_u32(r);
	add_needed(r, m);
}

static int cmp_import(const void *a, const void *b)
{
	const struct wasm_import *x = *(const struct wasm_import *const *)a;
	const struct wasm_import *y = *(const struct wasm_import *const *)b;
	return strcmp(x->name, y->name);
}

/* Flags apply by name to every import of that name (env.f and GOT.func.f): the
 * loader keeps the set of weak names, whatever the import module. */
static void apply_impinfo(struct wasm_module *m, const struct pending *pi)
{
	if (!pi->n || !m->nimports)
		return;
	struct wasm_import **idx = xcalloc(m->nimports, sizeof(*idx));
	for (size_t i = 0; i < m->nimports; i++)
		idx[i] = &m->imports[i];
	array_sort(idx, m->nimports, sizeof(*idx), cmp_import);
	for (size_t i = 0; i < pi->n; i++) {
		struct wasm_import key = {.module = pi->v[i].module, .name = pi->v[i].name};
		const struct wasm_import *kp = &key;
		struct wasm_import **hit = bsearch(&kp, idx, m->nimports, sizeof(*idx), cmp_import);
		if (!hit)
			continue;
		/* equal keys are adjacent: flag them all */
		struct wasm_import **lo = hit, **hi = hit;
		while (lo > idx && cmp_import(&kp, lo - 1) == 0)
			lo--;
		while (hi + 1 < idx + m->nimports && cmp_import(&kp, hi + 1) == 0)
			hi++;
		for (; lo <= hi; lo++)
			(*lo)->flags |= pi->v[i].flags;
	}
	free(idx);
}

static const char *validate(const struct wasm_module *m)
{
	for (size_t i = 0; i < m->nimports; i++) {
		const struct wasm_import *im = &m->imports[i];
		if ((im->kind == WASM_KIND_FUNC || im->kind == WASM_KIND_TAG) && im->type >= m->ntypes)
			return "import refers to a type index out of range";
	}
	for (size_t i = 0; i < m->nfuncs; i++)
		if (m->funcs[i] >= m->ntypes)
			return "function refers to a type index out of range";
	for (size_t i = 0; i < m->nexports; i++) {
		const struct wasm_export *e = &m->exports[i];
		if (e->kind == WASM_KIND_FUNC && e->index >= m->nfuncimports + m->nfuncs)
			return "export refers to a function index out of range";
	}
	return NULL;
}

/* "kiln.time64", "kiln.libcxx": NUL-terminated names, concatenated by the linker (empty
 * ones skipped); a section may appear more than once (objects, hand-made modules) */
static void parse_names(struct rd *s, char ***v, size_t *n)
{
	size_t cap = *n;
	while (left(s) > 0) {
		const uint8_t *p = s->p + s->pos, *nul = memchr(p, 0, left(s));
		if (!nul) {
			fail(s, "kiln section name without its terminating NUL");
			return;
		}
		size_t k = (size_t)(nul - p);
		if (k) {
			*v = xgrow(*v, &cap, *n + 1, sizeof(**v));
			(*v)[(*n)++] = xstrndup((const char *)p, k);
		}
		s->pos += k + 1;
	}
}

/* One entry of a linking section's symbol table; *flags_at is the offset of its flags
 * in the whole binary. The name is NULL when the entry has none. */
static void rd_symbol(struct rd *r, struct wasm_symbol *sym, size_t *flags_at)
{
	memset(sym, 0, sizeof(*sym));
	sym->kind = (enum wasm_symkind)rd_u8(r);
	*flags_at = r->base + r->pos;
	sym->flags = rd_u32(r);
	if (r->err)
		return;
	switch (sym->kind) {
	case WASM_SYMTAB_FUNCTION: case WASM_SYMTAB_GLOBAL: case WASM_SYMTAB_TAG:
	case WASM_SYMTAB_TABLE:
		sym->index = rd_u32(r);
		if (!(sym->flags & WASM_SYM_UNDEFINED) || (sym->flags & WASM_SYM_EXPLICIT_NAME))
			sym->name = rd_name(r);
		break;
	case WASM_SYMTAB_DATA:
		sym->name = rd_name(r);
		if (!(sym->flags & WASM_SYM_UNDEFINED)) {
			sym->index = rd_u32(r);
			rd_u32(r); /* offset */
			rd_u32(r); /* size */
		}
		break;
	case WASM_SYMTAB_SECTION:
		sym->index = rd_u32(r);
		break;
	default:
		fail(r, "unknown symbol kind in the linking section");
		break;
	}
}

/* The subsections of a linking section (after its name): symtab for each symbol table,
 * the others skipped. */
static void rd_linking(struct rd *s, void (*symtab)(struct rd *sub, void *ctx), void *ctx)
{
	if (rd_u32(s) != 2 && !s->err)
		fail(s, "unsupported linking section version");
	while (left(s) > 0) {
		uint8_t type;
		struct rd sub;
		if (!rd_section(s, &type, &sub))
			return;
		if (type == 8) /* WASM_SYMBOL_TABLE */
			symtab(&sub, ctx);
		rd_join(s, &sub);
	}
}

static void parse_symtab(struct rd *r, void *ctx)
{
	struct wasm_module *m = ctx;
	uint32_t n = rd_count(r, 2);
	size_t at;
	m->symbols = xrealloc(m->symbols, (m->nsymbols + n) * sizeof(*m->symbols));
	for (uint32_t i = 0; i < n && !r->err; i++)
		rd_symbol(r, &m->symbols[m->nsymbols++], &at);
}

/* a custom section; false when it is not one this reader knows */
static bool parse_custom(struct rd *s, struct wasm_module *m, struct pending *pi)
{
	char *name = rd_name(s);
	bool known = name != NULL;
	if (!name) {
	} else if (strcmp(name, "dylink.0") == 0) {
		m->has_dylink = true;
		parse_dylink0(s, m, pi);
	} else if (strcmp(name, "dylink") == 0) {
		m->has_dylink = true;
		parse_dylink_legacy(s, m);
	} else if (strcmp(name, "kiln.time64") == 0) {
		parse_names(s, &m->time64, &m->ntime64);
	} else if (strcmp(name, "kiln.libcxx") == 0) {
		parse_names(s, &m->libcxx, &m->nlibcxx);
	} else if (strcmp(name, "linking") == 0) {
		rd_linking(s, parse_symtab, m);
	} else {
		known = false;
	}
	free(name);
	return known;
}

/* one section; false when its contents are not read (sections dynamic linking does not
 * depend on, unknown custom sections) */
static bool parse_section(uint8_t id, struct rd *s, struct wasm_module *m, struct pending *pi)
{
	switch (id) {
	case 0:
		return parse_custom(s, m, pi);
	case 1:
		parse_types(s, m);
		return true;
	case 2:
		parse_imports(s, m);
		return true;
	case 3:
		parse_funcs(s, m);
		return true;
	case 7:
		parse_exports(s, m);
		return true;
	default:
		if (id > 13)
			fail(s, "unknown section id");
		return false;
	}
}

bool wasm_is_binary(const uint8_t *data, size_t len)
{
	static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	return len >= 8 && memcmp(data, magic, 8) == 0;
}

/* what the module's parts say together: the indices between them in range, the import
 * info applied, the function import types indexed */
static bool finish(struct wasm_module *m, const struct pending *pi, const char *what)
{
	const char *bad = validate(m);
	if (bad) {
		log_err("%s: malformed WebAssembly binary: %s", what, bad);
		return false;
	}
	apply_impinfo(m, pi);
	m->funcimport_types = xcalloc(m->nfuncimports, sizeof(*m->funcimport_types));
	for (size_t i = 0, k = 0; i < m->nimports; i++)
		if (m->imports[i].kind == WASM_KIND_FUNC)
			m->funcimport_types[k++] = m->imports[i].type;
	return true;
}

bool wasm_parse(const uint8_t *data, size_t len, const char *what, struct wasm_module *m)
{
	struct rd r = {.p = data, .len = len, .pos = 8};
	struct pending pi = {0};
	unsigned seen = 0;
	bool ok = false;

	memset(m, 0, sizeof(*m));
	if (len < 8 || memcmp(data, "\0asm", 4) != 0) {
		log_err("%s: not a WebAssembly binary (bad magic number)", what);
		return false;
	}
	if (!wasm_is_binary(data, len)) {
		log_err("%s: unsupported WebAssembly binary version", what);
		return false;
	}
	while (left(&r) > 0) {
		uint8_t id;
		struct rd s;
		if (!rd_section(&r, &id, &s))
			break;
		if (id > 0 && id <= 13) {
			if (seen & (1u << id)) {
				fail(&s, "duplicate section");
				rd_join(&r, &s);
				break;
			}
			seen |= 1u << id;
		}
		if (parse_section(id, &s, m, &pi) && !s.err && s.pos != s.len)
			fail(&s, "section size does not match its contents");
		rd_join(&r, &s);
		if (r.err)
			break;
	}
	if (r.err)
		log_err("%s: malformed WebAssembly binary: %s (at byte offset %zu)", what, r.err,
			r.err_at);
	else
		ok = finish(m, &pi, what);
	pending_free(&pi);
	return ok;
}

void wasm_module_free(struct wasm_module *m)
{
	for (size_t i = 0; i < m->ntypes; i++)
		wasm_functype_free(&m->types[i]);
	free(m->types);
	for (size_t i = 0; i < m->nimports; i++) {
		free(m->imports[i].module);
		free(m->imports[i].name);
	}
	free(m->imports);
	free(m->funcs);
	free(m->funcimport_types);
	for (size_t i = 0; i < m->nexports; i++)
		free(m->exports[i].name);
	free(m->exports);
	for (size_t i = 0; i < m->nneeded; i++)
		free(m->needed[i]);
	free(m->needed);
	for (size_t i = 0; i < m->ntime64; i++)
		free(m->time64[i]);
	free(m->time64);
	for (size_t i = 0; i < m->nlibcxx; i++)
		free(m->libcxx[i]);
	free(m->libcxx);
	for (size_t i = 0; i < m->nsymbols; i++)
		free(m->symbols[i].name);
	free(m->symbols);
	memset(m, 0, sizeof(*m));
}

const struct wasm_functype *wasm_func_type(const struct wasm_module *m, uint32_t idx)
{
	uint32_t t;
	if (idx < m->nfuncimports) {
		if (!m->funcimport_types)
			return NULL;
		t = m->funcimport_types[idx];
	}
	else if (idx - m->nfuncimports < m->nfuncs)
		t = m->funcs[idx - m->nfuncimports];
	else
		return NULL;
	return t < m->ntypes ? &m->types[t] : NULL;
}

const struct wasm_import *wasm_func_import(const struct wasm_module *m, uint32_t idx)
{
	if (idx >= m->nfuncimports)
		return NULL;
	for (size_t i = 0; i < m->nimports; i++)
		if (m->imports[i].kind == WASM_KIND_FUNC && idx-- == 0)
			return &m->imports[i];
	return NULL;
}

const struct wasm_export *wasm_find_export(const struct wasm_module *m, const char *name)
{
	for (size_t i = 0; i < m->nexports; i++)
		if (strcmp(m->exports[i].name, name) == 0)
			return &m->exports[i];
	return NULL;
}

static const char *valname(uint8_t t)
{
	switch (t) {
	case 0x7f: return "i32";
	case 0x7e: return "i64";
	case 0x7d: return "f32";
	case 0x7c: return "f64";
	case 0x7b: return "v128";
	case 0x70: return "funcref";
	case 0x6f: return "externref";
	default: return "?";
	}
}

static void list_str(struct buf *b, const uint8_t *v, uint32_t n)
{
	buf_putc(b, '(');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			buf_puts(b, ", ");
		buf_puts(b, valname(v[i]));
	}
	buf_putc(b, ')');
}

char *wasm_functype_str(const struct wasm_functype *t)
{
	struct buf b = {0};
	list_str(&b, t->params, t->nparams);
	buf_puts(&b, " -> ");
	if (t->nresults == 1)
		buf_puts(&b, valname(t->results[0]));
	else
		list_str(&b, t->results, t->nresults);
	return buf_take(&b);
}

bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b)
{
	return a->nparams == b->nparams && a->nresults == b->nresults &&
	       (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
	       (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

void wasm_functype_free(struct wasm_functype *t)
{
	free(t->params);
	free(t->results);
	t->params = t->results = NULL;
	t->nparams = t->nresults = 0;
}

/* the needed subsections of a dylink.0 section into m; the others are skipped unread */
static void parse_needed_only(struct rd *r, struct wasm_module *m)
{
	while (left(r) > 0) {
		uint8_t type;
		struct rd s;
		if (!rd_section(r, &type, &s))
			return;
		if (type == 2) /* WASM_DYLINK_NEEDED */
			add_needed(&s, m);
		rd_join(r, &s);
	}
}

bool wasm_needed(const uint8_t *data, size_t len, struct strv *needed)
{
	struct rd r = {.p = data, .len = len, .pos = 8};
	if (!wasm_is_binary(data, len))
		return false;
	while (left(&r) > 0) {
		uint8_t id;
		struct rd s;
		if (!rd_section(&r, &id, &s))
			return false;
		char *name = id == 0 ? rd_name(&s) : NULL;
		bool dylink = name && strcmp(name, "dylink.0") == 0;
		free(name);
		if (!dylink)
			continue;
		struct wasm_module m = {0};
		parse_needed_only(&s, &m);
		for (size_t i = 0; i < m.nneeded; i++)
			if (!strv_has(needed, m.needed[i]))
				strv_add(needed, m.needed[i]);
		wasm_module_free(&m);
		if (s.err)
			return false;
	}
	return true;
}

struct hide {
	uint8_t *data;
	bool (*want)(const char *name);
	long changed;
};

static void hide_symtab(struct rd *r, void *ctx)
{
	struct hide *h = ctx;
	uint32_t n = rd_count(r, 2);
	for (uint32_t i = 0; i < n && !r->err; i++) {
		struct wasm_symbol sym;
		size_t at;
		rd_symbol(r, &sym, &at);
		if (!r->err && !(sym.flags & (WASM_SYM_UNDEFINED | WASM_SYM_LOCAL | WASM_SYM_HIDDEN)) &&
		    sym.kind != WASM_SYMTAB_SECTION && (!h->want || (sym.name && h->want(sym.name)))) {
			h->data[at] |= WASM_SYM_HIDDEN;
			h->changed++;
		}
		free(sym.name);
	}
}

long wasm_object_hide_symbols(uint8_t *data, size_t len, const char *what,
	bool (*want)(const char *name))
{
	struct rd r = {.p = data, .len = len, .pos = 8};
	struct hide h = {.data = data, .want = want};
	bool linking = false;

	if (!wasm_is_binary(data, len)) {
		log_err("%s: not a WebAssembly object", what);
		return -1;
	}
	while (left(&r) > 0) {
		uint8_t id;
		struct rd s;
		if (!rd_section(&r, &id, &s))
			break;
		if (id != 0)
			continue;
		char *name = rd_name(&s);
		bool is_linking = name && strcmp(name, "linking") == 0;
		free(name);
		if (is_linking) {
			linking = true;
			rd_linking(&s, hide_symtab, &h);
		}
		rd_join(&r, &s);
		if (r.err)
			break;
	}
	if (r.err) {
		log_err("%s: malformed WebAssembly object: %s (at byte offset %zu)", what, r.err,
			r.err_at);
		return -1;
	}
	if (!linking) {
		log_err("%s: not a relocatable WebAssembly object (no linking section)", what);
		return -1;
	}
	return h.changed;
}

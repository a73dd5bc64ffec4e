#include "recipe/recipe.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ftype {
	F_STR,    /* string, default "" */
	F_OPTSTR, /* string or null, default NULL */
	F_LIST,   /* list of strings */
	F_BOOL,
	F_TYPE,    /* build.type */
	F_EXPORTS, /* build.exports */
	F_EXTRAS,  /* source.extras */
};

struct field {
	const char *key;
	const char *path; /* "section.key" */
	enum ftype type;
	size_t off;
	bool def; /* default of a boolean */
};

struct section {
	const char *key;
	const struct field *fields;
	size_t n;
	bool open; /* unknown keys allowed */
};

#define OFF(m) offsetof(struct recipe, m)

static const struct field package_fields[] = {
	{"name", "package.name", F_STR, OFF(package.name), false},
	{"version", "package.version", F_STR, OFF(package.version), false},
	{"top-level", "package.top-level", F_LIST, OFF(package.top_level), false},
	{"tag", "package.tag", F_LIST, OFF(package.tag), false},
	{"_disabled", "package._disabled", F_BOOL, OFF(package.disabled), false},
	{"pinned", "package.pinned", F_BOOL, OFF(package.pinned), false},
};

static const struct field source_fields[] = {
	{"url", "source.url", F_OPTSTR, OFF(source.url), false},
	{"sha256", "source.sha256", F_OPTSTR, OFF(source.sha256), false},
	{"path", "source.path", F_OPTSTR, OFF(source.path), false},
	{"extract_dir", "source.extract_dir", F_OPTSTR, OFF(source.extract_dir), false},
	{"patches", "source.patches", F_LIST, OFF(source.patches), false},
	{"extras", "source.extras", F_EXTRAS, 0, false},
};

static const struct field build_fields[] = {
	{"type", "build.type", F_TYPE, OFF(build.type_str), false},
	{"script", "build.script", F_OPTSTR, OFF(build.script), false},
	{"cross-script", "build.cross-script", F_OPTSTR, OFF(build.cross_script), false},
	{"post", "build.post", F_OPTSTR, OFF(build.post), false},
	{"cflags", "build.cflags", F_STR, OFF(build.cflags), false},
	{"cxxflags", "build.cxxflags", F_STR, OFF(build.cxxflags), false},
	{"ldflags", "build.ldflags", F_STR, OFF(build.ldflags), false},
	{"backend-flags", "build.backend-flags", F_STR, OFF(build.backend_flags), false},
	{"exports", "build.exports", F_EXPORTS, 0, false},
	{"unvendor-tests", "build.unvendor-tests", F_BOOL, OFF(build.unvendor_tests), true},
	{"_retain-test-patterns", "build._retain-test-patterns", F_LIST, OFF(build.retain_test_patterns), false},
	{"vendor-sharedlib", "build.vendor-sharedlib", F_BOOL, OFF(build.vendor_sharedlib), true},
	{"cross-build-env", "build.cross-build-env", F_BOOL, OFF(build.cross_build_env), false},
	{"cross-build-files", "build.cross-build-files", F_LIST, OFF(build.cross_build_files), false},
};

static const struct field requirements_fields[] = {
	{"run", "requirements.run", F_LIST, OFF(requirements.run), false},
	{"host", "requirements.host", F_LIST, OFF(requirements.host), false},
	{"executable", "requirements.executable", F_LIST, OFF(requirements.executable), false},
	{"constraint", "requirements.constraint", F_LIST, OFF(requirements.constraint), false},
};

static const struct field test_fields[] = {
	{"imports", "test.imports", F_LIST, OFF(test.imports), false},
	{"script", "test.script", F_OPTSTR, OFF(test.script), false},
};

static const struct field about_fields[] = {
	{"home", "about.home", F_OPTSTR, OFF(about.home), false},
	{"PyPI", "about.PyPI", F_OPTSTR, OFF(about.pypi), false},
	{"summary", "about.summary", F_OPTSTR, OFF(about.summary), false},
	{"license", "about.license", F_OPTSTR, OFF(about.license), false},
};

static const struct field extra_fields[] = {
	{"recipe-maintainers", "extra.recipe-maintainers", F_LIST, OFF(extra.recipe_maintainers), false},
};

#define SECTION(k, f, o) {k, f, ARRAY_LEN(f), o}
static const struct section sections[] = {
	SECTION("package", package_fields, false),
	SECTION("source", source_fields, false),
	SECTION("build", build_fields, false),
	SECTION("requirements", requirements_fields, false),
	SECTION("test", test_fields, false),
	SECTION("about", about_fields, false),
	SECTION("extra", extra_fields, true),
};

static const char *const type_names[] = {
	[RECIPE_PACKAGE] = "package",
	[RECIPE_STATIC_LIBRARY] = "static_library",
	[RECIPE_SHARED_LIBRARY] = "shared_library",
	[RECIPE_CPYTHON_MODULE] = "cpython_module",
};

static const char *const export_names[] = {"pyinit", "requested", "whole_archive"};

/* build keys a library recipe may set to non-default values */
static const char *const library_keys[] = {"type", "script", "exports", "unvendor-tests"};
/* build keys a wheel-source recipe may set to non-default values */
static const char *const wheel_keys[] = {"post", "cross-build-env", "cross-build-files",
	"exports", "unvendor-tests", "_retain-test-patterns", "type", "vendor-sharedlib"};

struct ctx {
	struct recipe *r;
	struct diags *d;
};

const char *recipe_type_name(enum recipe_type t)
{
	return type_names[t];
}

static void err(struct ctx *c, struct recipe_pos pos, const char *field, const char *hint,
	const char *fmt, ...) KILN_PRINTF(5, 6);

static void err(struct ctx *c, struct recipe_pos pos, const char *field, const char *hint,
	const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(c->d, DIAG_ERROR, c->r->file, pos.line, pos.col, field, hint, "%s", msg);
}

static struct recipe_pos at(const struct ynode *y)
{
	return (struct recipe_pos){y->line, y->col};
}

/* A scalar the recipe keeps: the YAML tree is freed once the recipe is read,
 * so that a check of hundreds of recipes holds their values, not their trees. */
static const char *keep(struct ctx *c, const struct ynode *y)
{
	return arena_strndup(&c->r->arena, y->s, y->len);
}

/* "did you mean 'x'?", or "<what>: a, b, c" */
static void keys_hint(char *out, size_t cap, const char *word, const char *what,
	const char *const *names, size_t n)
{
	const char *s = str_suggest(word, names, n);
	if (s) {
		snprintf(out, cap, "did you mean '%s'?", s);
		return;
	}
	size_t len = (size_t)snprintf(out, cap, "%s: ", what);
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", names[i]);
}

static void field_name(char *out, size_t cap, const char *sec, const char *key)
{
	snprintf(out, cap, "%s.%.100s", sec, key);
}

static bool scalar_ok(struct ctx *c, const struct ynode *y, const char *field, const char *want)
{
	if (y->kind == YNODE_SCALAR && y->type != YSCALAR_NULL)
		return true;
	err(c, at(y), field, NULL, "expected %s, got %s", want, ynode_describe(y));
	return false;
}

/* would PyYAML's number or boolean, turned into a string by pyodide-build,
 * differ from the text? (str(1.10) is "1.1", str(True) is "True") */
static bool coerced_differently(const struct ynode *y)
{
	const char *s = y->s;
	if (y->type == YSCALAR_BOOL)
		return true;
	if (y->type == YSCALAR_TIMESTAMP)
		return y->len != 10;
	if (y->type != YSCALAR_INT && y->type != YSCALAR_FLOAT)
		return false;
	if (*s == '+' || strchr(s, '_') || strchr(s, ':'))
		return true;
	if (*s == '-')
		s++;
	size_t ilen = strspn(s, "0123456789");
	if (ilen > 1 && s[0] == '0')
		return true; /* octal, or leading zeros dropped */
	if (y->type == YSCALAR_INT)
		return s[ilen] != '\0';
	const char *f = s + ilen;
	if (!ilen || *f != '.')
		return true;
	f++;
	size_t flen = strlen(f);
	if (!flen || strspn(f, "0123456789") != flen || (flen > 1 && f[flen - 1] == '0'))
		return true;
	/* repr() switches to exponents and rounds to 17 digits */
	return ilen > 16 || ilen + flen > 17 || (s[0] == '0' && !strncmp(f, "0000", 4));
}

static void check_coercion(struct ctx *c, const struct ynode *y, const char *field)
{
	if (y->kind != YNODE_SCALAR || !coerced_differently(y))
		return;
	char hint[160];
	snprintf(hint, sizeof(hint), "quote it: \"%.100s\"", y->s);
	diag_add(c->d, DIAG_WARNING, c->r->file, y->line, y->col, field, hint,
		"'%.100s' is %s in YAML: pyodide-build would read another string", y->s,
		ynode_describe(y));
}

static void parse_list(struct ctx *c, struct recipe_list *l, const struct ynode *y,
	const char *field)
{
	l->pos = at(y);
	if (y->kind != YNODE_SEQ) {
		err(c, at(y), field, "write one item per line as '- item'",
			"expected a list of strings, got %s", ynode_describe(y));
		return;
	}
	l->set = true;
	l->n = 0; /* a duplicate key: the last one counts (it is reported) */
	l->v = arena_alloc(&c->r->arena, (y->n ? y->n : 1) * sizeof(*l->v));
	for (size_t i = 0; i < y->n; i++) {
		const struct ynode *it = y->v[i];
		if (it->kind != YNODE_SCALAR || it->type == YSCALAR_NULL) {
			char f[160];
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			scalar_ok(c, it, f, "a string");
			continue;
		}
		l->v[l->n++] = (struct recipe_str){keep(c, it), at(it), true};
	}
}

static void parse_extras(struct ctx *c, const struct ynode *y)
{
	struct recipe *r = c->r;
	r->source.extras_pos = at(y);
	if (y->kind != YNODE_SEQ) {
		err(c, at(y), "source.extras", "write each entry as '- [source, destination]'",
			"expected a list of [source, destination] pairs, got %s", ynode_describe(y));
		return;
	}
	r->source.extras_set = true;
	r->source.n_extras = 0;
	r->source.extras = arena_alloc(&r->arena, (y->n ? y->n : 1) * sizeof(*r->source.extras));
	for (size_t i = 0; i < y->n; i++) {
		const struct ynode *it = y->v[i];
		char f[64];
		snprintf(f, sizeof(f), "source.extras[%zu]", i);
		if (it->kind != YNODE_SEQ || it->n != 2) {
			if (it->kind == YNODE_SEQ)
				err(c, at(it), f, "write each entry as '- [source, destination]'",
					"expected a [source, destination] pair, got a list of %zu item%s",
					it->n, it->n == 1 ? "" : "s");
			else
				err(c, at(it), f, "write each entry as '- [source, destination]'",
					"expected a [source, destination] pair, got %s",
					ynode_describe(it));
			continue;
		}
		if (!scalar_ok(c, it->v[0], f, "a string") || !scalar_ok(c, it->v[1], f, "a string"))
			continue;
		r->source.extras[r->source.n_extras++] = (struct recipe_extra){
			{keep(c, it->v[0]), at(it->v[0]), true}, {keep(c, it->v[1]), at(it->v[1]), true}};
	}
}

static void parse_type(struct ctx *c, const struct ynode *y)
{
	struct recipe *r = c->r;
	if (!scalar_ok(c, y, "build.type", "a string"))
		return;
	r->build.type_str = (struct recipe_str){keep(c, y), at(y), true};
	for (size_t i = 0; i < ARRAY_LEN(type_names); i++)
		if (!strcmp(y->s, type_names[i])) {
			r->build.type = (enum recipe_type)i;
			return;
		}
	char hint[256];
	keys_hint(hint, sizeof(hint), y->s, "one of", type_names, ARRAY_LEN(type_names));
	err(c, at(y), "build.type", hint, "unknown build type '%.100s'", y->s);
}

static void parse_exports(struct ctx *c, const struct ynode *y)
{
	struct recipe *r = c->r;
	if (y->kind == YNODE_SEQ) {
		parse_list(c, &r->build.exports_list, y, "build.exports");
		r->build.exports = RECIPE_EXPORTS_LIST;
		return;
	}
	if (!scalar_ok(c, y, "build.exports", "a string or a list of symbol names"))
		return;
	r->build.exports_str = (struct recipe_str){keep(c, y), at(y), true};
	for (size_t i = 0; i < ARRAY_LEN(export_names); i++)
		if (!strcmp(y->s, export_names[i])) {
			r->build.exports = (enum recipe_exports)i;
			return;
		}
	const char *s = str_suggest(y->s, export_names, ARRAY_LEN(export_names));
	char hint[160];
	if (s)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", s);
	else
		snprintf(hint, sizeof(hint),
			"one of: pyinit, requested, whole_archive, or a list of symbol names");
	err(c, at(y), "build.exports", hint, "invalid value '%.100s'", y->s);
}

static void parse_field(struct ctx *c, const struct section *sec, const struct field *f,
	const struct ynode *y)
{
	const char *name = f->path;
	void *p = (char *)c->r + f->off;
	switch (f->type) {
	case F_STR:
	case F_OPTSTR: {
		struct recipe_str *s = p;
		s->pos = at(y);
		if (f->type == F_OPTSTR && y->kind == YNODE_SCALAR && y->type == YSCALAR_NULL)
			return;
		if (!scalar_ok(c, y, name, "a string"))
			return;
		check_coercion(c, y, name);
		s->s = keep(c, y);
		s->set = true;
		return;
	}
	case F_LIST:
		parse_list(c, p, y, name);
		return;
	case F_BOOL: {
		struct recipe_bool *b = p;
		b->pos = at(y);
		if (y->kind == YNODE_SCALAR && y->type == YSCALAR_BOOL) {
			b->v = y->bval;
			b->set = true;
			return;
		}
		if (y->kind == YNODE_SCALAR && y->type == YSCALAR_INT &&
		    (!strcmp(y->s, "0") || !strcmp(y->s, "1"))) {
			b->v = y->s[0] == '1';
			b->set = true;
			return;
		}
		err(c, at(y), name, "write true or false (unquoted)",
			"expected a boolean, got %s", ynode_describe(y));
		return;
	}
	case F_TYPE:
		parse_type(c, y);
		return;
	case F_EXPORTS:
		parse_exports(c, y);
		return;
	case F_EXTRAS:
		parse_extras(c, y);
		return;
	}
}

static void parse_section(struct ctx *c, const struct section *sec, const struct ynode *map)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->v[2 * i], *v = map->v[2 * i + 1];
		const struct field *f = NULL;
		for (size_t j = 0; j < sec->n && !f; j++)
			if (k->s[0] == sec->fields[j].key[0] && !strcmp(k->s, sec->fields[j].key))
				f = &sec->fields[j];
		if (f) {
			parse_field(c, sec, f, v);
			continue;
		}
		if (sec->open)
			continue;
		char name[160], hint[256];
		const char *keys[32];
		for (size_t j = 0; j < sec->n; j++)
			keys[j] = sec->fields[j].key;
		field_name(name, sizeof(name), sec->key, k->s);
		keys_hint(hint, sizeof(hint), k->s, "valid keys", keys, sec->n);
		err(c, at(k), name, hint, "unknown key");
	}
}

static void set_defaults(struct recipe *r)
{
	r->build.cflags.s = r->build.cxxflags.s = r->build.ldflags.s = "";
	r->build.backend_flags.s = r->package.name.s = r->package.version.s = "";
	r->build.unvendor_tests.v = true;
	r->build.vendor_sharedlib.v = true;
}

bool recipe_has_var(const char *s)
{
	for (const char *p = s ? strstr(s, "$(") : NULL; p; p = strstr(p + 2, "$(")) {
		const char *q = p + 2;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		if (q > p + 2 && *q == ')')
			return true;
	}
	return false;
}

bool recipe_is_wheel(const struct recipe *r)
{
	return r->source.url.set && str_endswith(r->source.url.s, ".whl");
}

size_t recipe_normalize_to(const char *name, char *out)
{
	char *o = out;
	for (const char *p = name; *p; p++) {
		char ch = *p;
		if (ch == '-' || ch == '_' || ch == '.') {
			if (o == out || o[-1] != '-')
				*o++ = '-';
		} else {
			/* ASCII only, whatever the locale: names are ASCII */
			*o++ = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}

char *recipe_normalize(const char *name)
{
	char *out = xmalloc(strlen(name) + 1);
	recipe_normalize_to(name, out);
	return out;
}

/* package.name: letters, digits, '-', '_', '.'; not starting with '-' or '.' */
static void check_name(struct ctx *c)
{
	struct recipe *r = c->r;
	const char *n = r->package.name.s;
	for (const char *p = n; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '_' || ((*p == '-' || *p == '.') && p != n))
			continue;
		if (isprint((unsigned char)*p))
			err(c, r->package.name.pos, "package.name",
				"names may contain letters, digits, '-', '_' and '.'",
				"invalid character '%c' in '%.100s'", *p, n);
		else
			err(c, r->package.name.pos, "package.name",
				"names may contain letters, digits, '-', '_' and '.'",
				"invalid byte 0x%02x in the name", (unsigned char)*p);
		return;
	}
	char *dirname = NULL;
	const char *base = path_basename(r->dir);
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		dirname = realpath(r->dir, NULL);
		base = dirname ? path_basename(dirname) : base;
	}
	if (strcmp(base, n))
		err(c, r->package.name.pos, "package.name",
			"the recipe directory must be named after the package",
			"'%.100s' does not match the recipe directory name '%.100s'", n, base);
	free(dirname);
}

static void check_url(struct ctx *c)
{
	const struct recipe_str *u = &c->r->source.url;
	const char *s = u->s, *colon = strstr(s, "://");
	static const char *const schemes[] = {"http", "https", "ftp", "file"};
	if (!colon || colon == s) {
		err(c, u->pos, "source.url", "give a full URL such as https://host/file.tar.gz",
			"'%.100s' is not a URL", s);
		return;
	}
	size_t n = (size_t)(colon - s);
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
		if (strlen(schemes[i]) == n && !strncasecmp(s, schemes[i], n))
			return;
	err(c, u->pos, "source.url", "use an http, https, ftp or file URL",
		"unsupported URL scheme '%.*s'", (int)(n > 40 ? 40 : n), s);
}

static void check_sha256(struct ctx *c)
{
	const struct recipe_str *h = &c->r->source.sha256;
	size_t n = strlen(h->s);
	size_t bad = strspn(h->s, "0123456789abcdefABCDEF");
	if (n == 64 && bad == 64)
		return;
	if (n != 64)
		err(c, h->pos, "source.sha256", "the SHA-256 of the source archive, as printed "
			"by sha256sum", "expected 64 hexadecimal digits, got %zu characters", n);
	else
		err(c, h->pos, "source.sha256", "the SHA-256 of the source archive, as printed "
			"by sha256sum", "invalid character '%c' (expected hexadecimal digits)",
			isprint((unsigned char)h->s[bad]) ? h->s[bad] : '?');
}

static bool nondefault(const struct recipe *r, const struct field *f)
{
	const void *p = (const char *)r + f->off;
	switch (f->type) {
	case F_STR:
		return ((const struct recipe_str *)p)->set && *((const struct recipe_str *)p)->s;
	case F_OPTSTR:
		return ((const struct recipe_str *)p)->set;
	case F_LIST:
		return ((const struct recipe_list *)p)->n > 0;
	case F_BOOL:
		return ((const struct recipe_bool *)p)->set && ((const struct recipe_bool *)p)->v != f->def;
	case F_TYPE:
		return r->build.type != RECIPE_PACKAGE;
	case F_EXPORTS:
		return r->build.exports != RECIPE_EXPORTS_PYINIT;
	case F_EXTRAS:
		return r->source.n_extras > 0;
	}
	return false;
}

static struct recipe_pos field_pos(const struct recipe *r, const struct field *f)
{
	if (f->type == F_TYPE)
		return r->build.type_str.pos;
	if (f->type == F_EXPORTS)
		return r->build.exports == RECIPE_EXPORTS_LIST ? r->build.exports_list.pos
								 : r->build.exports_str.pos;
	const void *p = (const char *)r + f->off;
	if (f->type == F_LIST)
		return ((const struct recipe_list *)p)->pos;
	if (f->type == F_BOOL)
		return ((const struct recipe_bool *)p)->pos;
	return ((const struct recipe_str *)p)->pos;
}

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, v[i]))
			return true;
	return false;
}

static void allowed_build_keys(struct ctx *c, const char *const *keys, size_t nkeys,
	const char *what, const char *hint)
{
	for (size_t i = 0; i < ARRAY_LEN(build_fields); i++) {
		const struct field *f = &build_fields[i];
		if (in_list(f->key, keys, nkeys) || !nondefault(c->r, f))
			continue;
		err(c, field_pos(c->r, f), f->path, hint, "not allowed for %s", what);
	}
}

static void check_wheel(struct ctx *c)
{
	struct recipe *r = c->r;
	if (!recipe_is_wheel(r))
		return;
	const char *hint = "a prebuilt wheel is used as it is";
	if (r->source.patches.n)
		err(c, r->source.patches.pos, "source.patches", hint, "not allowed with a wheel source");
	if (r->source.n_extras)
		err(c, r->source.extras_pos, "source.extras", hint, "not allowed with a wheel source");
	if (r->requirements.host.n)
		err(c, r->requirements.host.pos, "requirements.host", "move them to requirements.run "
			"if the wheel needs them at runtime", "a wheel source cannot have host dependencies");
	allowed_build_keys(c, wheel_keys, ARRAY_LEN(wheel_keys), "a wheel source",
		"a wheel source allows only post, exports, unvendor-tests, _retain-test-patterns, "
		"vendor-sharedlib, type, cross-build-env and cross-build-files under build");
}

static void check_files(struct ctx *c)
{
	struct recipe *r = c->r;
	for (size_t i = 0; i < r->source.patches.n; i++) {
		const struct recipe_str *p = &r->source.patches.v[i];
		char f[64];
		snprintf(f, sizeof(f), "source.patches[%zu]", i);
		if (!*p->s) {
			err(c, p->pos, f, NULL, "must not be empty");
			continue;
		}
		char *full = path_join(r->dir, p->s);
		if (!path_is_file(full))
			err(c, p->pos, f, "patch paths are relative to the recipe directory",
				"no such file '%.200s' in the recipe directory", p->s);
		free(full);
	}
	for (size_t i = 0; i < r->source.n_extras; i++) {
		const struct recipe_str *p = &r->source.extras[i].src;
		char f[64];
		snprintf(f, sizeof(f), "source.extras[%zu]", i);
		char *full = path_join(r->dir, p->s);
		if (!*p->s || !path_exists(full))
			err(c, p->pos, f, "extra file paths are relative to the recipe directory",
				"no such file '%.200s' in the recipe directory", p->s);
		free(full);
	}
}

static void check_source(struct ctx *c)
{
	struct recipe *r = c->r;
	const struct recipe_str *url = &r->source.url, *path = &r->source.path;
	const struct recipe_str *sha = &r->source.sha256;
	if (url->set && path->set)
		err(c, path->pos, "source.path", "keep one of them",
			"'url' and 'path' are mutually exclusive");
	if (!url->set && !path->set)
		err(c, r->source_pos, "source", "give 'url' (with 'sha256') or 'path'",
			"either 'url' or 'path' is required");
	if (url->set && !*url->s)
		err(c, url->pos, "source.url", NULL, "must not be empty");
	else if (url->set && !recipe_has_var(url->s))
		check_url(c);
	if (url->set && !sha->set)
		err(c, url->pos, "source.url", "add source.sha256: the SHA-256 of the archive",
			"a URL source needs 'sha256'");
	if (sha->set && !recipe_has_var(sha->s))
		check_sha256(c);
	if (path->set && !*path->s)
		err(c, path->pos, "source.path", NULL, "must not be empty");
	if (path->set && r->source.patches.n)
		err(c, r->source.patches.pos, "source.patches", "edit the in-tree sources instead",
			"not allowed with a 'path' source");
	if (path->set && r->source.n_extras)
		err(c, r->source.extras_pos, "source.extras", "edit the in-tree sources instead",
			"not allowed with a 'path' source");
	check_files(c);
	if (!url->set || !recipe_has_var(url->s))
		check_wheel(c);
}

static void check_deps(struct ctx *c, const struct recipe_list *l, const char *field)
{
	for (size_t i = 0; i < l->n; i++)
		if (!*l->v[i].s) {
			char f[64];
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			err(c, l->v[i].pos, f, NULL, "must not be empty");
		}
}

static void validate(struct ctx *c, const struct ynode *pkg_key, bool pkg_ok)
{
	struct recipe *r = c->r;
	struct recipe_pos ppos = pkg_key ? at(pkg_key) : (struct recipe_pos){1, 1};
	if (!pkg_key) {
		err(c, ppos, "package", "every recipe starts with package: name and version",
			"missing required section");
	} else if (pkg_ok) {
		if (!r->package.name.pos.line)
			err(c, ppos, "package.name", NULL, "missing required key");
		if (!r->package.version.pos.line)
			err(c, ppos, "package.version", NULL, "missing required key");
	}
	if (r->package.name.set && !*r->package.name.s)
		err(c, r->package.name.pos, "package.name", NULL, "must not be empty");
	else if (r->package.name.set)
		check_name(c);
	if (r->package.version.set && !*r->package.version.s)
		err(c, r->package.version.pos, "package.version", NULL, "must not be empty");
	check_source(c);
	if (r->build.type != RECIPE_PACKAGE) {
		char what[64], hint[128];
		snprintf(what, sizeof(what), "a %s", type_names[r->build.type]);
		snprintf(hint, sizeof(hint), "a %s allows only type, script, exports and "
			"unvendor-tests under build", type_names[r->build.type]);
		allowed_build_keys(c, library_keys, ARRAY_LEN(library_keys), what, hint);
	}
	check_deps(c, &r->requirements.run, "requirements.run");
	check_deps(c, &r->requirements.host, "requirements.host");
}

static const struct ynode *parse_root(struct ctx *c, const struct ynode *root, bool *pkg_ok)
{
	const struct ynode *pkg_key = NULL;
	const char *names[ARRAY_LEN(sections)];
	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		names[i] = sections[i].key;
	c->r->source_pos = (struct recipe_pos){1, 1};
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *k = root->v[2 * i], *v = root->v[2 * i + 1];
		const struct section *sec = NULL;
		for (size_t j = 0; j < ARRAY_LEN(sections) && !sec; j++)
			if (k->s[0] == sections[j].key[0] && !strcmp(k->s, sections[j].key))
				sec = &sections[j];
		if (!sec) {
			char hint[256], name[128];
			keys_hint(hint, sizeof(hint), k->s, "valid keys", names, ARRAY_LEN(names));
			snprintf(name, sizeof(name), "%.100s", k->s);
			err(c, at(k), name, hint, "unknown section");
			continue;
		}
		if (sec == &sections[0]) {
			pkg_key = k;
			*pkg_ok = v->kind == YNODE_MAP;
		}
		if (sec == &sections[1])
			c->r->source_pos = at(k);
		if (v->kind != YNODE_MAP) {
			err(c, at(v), sec->key, NULL, "expected a mapping, got %s", ynode_describe(v));
			continue;
		}
		parse_section(c, sec, v);
	}
	return pkg_key;
}

/* The bytes of a recipe file, or NULL: reported, or (with missing non-NULL)
 * *missing when there is no such file. One open, fstat and (usually) read:
 * a check reads hundreds of these. O_NONBLOCK keeps a FIFO from blocking the
 * open; the fstat then refuses it. */
static char *read_recipe(const char *file, size_t *len, struct diags *d, bool *missing)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		struct stat lst; /* a dangling symlink is there, and broken */
		if (missing && (e == ENOTDIR || (e == ENOENT && lstat(file, &lst) != 0))) {
			*missing = true;
			return NULL;
		}
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, NULL, "cannot read: %s", strerror(e));
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) != 0) {
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, NULL, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, NULL, "cannot read: not a regular file");
		goto out;
	}
	if (st.st_size > YDOC_MAX_SIZE) {
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, "recipes are small text files",
			"file is larger than 1 MiB (%lld bytes)", (long long)st.st_size);
		goto out;
	}
	/* read to the end, which is where fstat put it unless the file is being
	 * written: then up to one byte past the limit, for ydoc to refuse */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > YDOC_MAX_SIZE + 1)
				break;
			cap = cap * 2 > YDOC_MAX_SIZE + 1 ? YDOC_MAX_SIZE + 2 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_add(d, DIAG_ERROR, file, 0, 0, NULL, NULL, "cannot read: %s", strerror(errno));
			free(buf);
			buf = NULL;
			goto out;
		}
		n += (size_t)r;
		if (r == 0 || n == (size_t)st.st_size)
			break;
	}
	*len = n;
out:
	close(fd);
	return buf;
}

static struct recipe *load(const char *file, struct diags *d, bool *missing)
{
	struct recipe *r = NULL;
	struct ynode *root = NULL;
	/* freed here: what the recipe keeps is copied (keep()) */
	struct arena tree = {.first = 8192};
	size_t len = 0, before = d->errors;
	char *buf = read_recipe(file, &len, d, missing);
	if (!buf)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->file = xstrdup(file);
	r->dir = path_dirname(file);
	set_defaults(r);
	if (!ydoc_parse(&tree, file, buf, len, d, &root))
		goto fail;
	if (!root || root->kind != YNODE_MAP) {
		diag_add(d, DIAG_ERROR, file, root ? root->line : 1, root ? root->col : 1, NULL,
			"a recipe starts with 'package:' and its name and version",
			"expected a mapping at the top level, got %s",
			root ? ynode_describe(root) : "an empty document");
		goto fail;
	}
	struct ctx c = {r, d};
	bool pkg_ok = false;
	const struct ynode *pkg_key = parse_root(&c, root, &pkg_ok);
	validate(&c, pkg_key, pkg_ok);
	if (r->package.name.set)
		r->norm_name = recipe_normalize(r->package.name.s);
	r->ok = d->errors == before;
	arena_free(&tree);
	free(buf);
	return r;
fail:
	arena_free(&tree);
	free(buf);
	recipe_free(r);
	return NULL;
}

struct recipe *recipe_load(const char *file, struct diags *d)
{
	return load(file, d, NULL);
}

struct recipe *recipe_try_load(const char *file, struct diags *d, bool *missing)
{
	*missing = false;
	return load(file, d, missing);
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	arena_free(&r->arena);
	free(r->file);
	free(r->dir);
	free(r->norm_name);
	free(r);
}

/* replace every $(NAME) in s->s; false if a name is undefined */
static bool subst_one(struct ctx *c, struct recipe_str *s, const char *field,
	recipe_lookup_fn lookup, void *lctx)
{
	if (!s->s || !recipe_has_var(s->s))
		return true;
	struct buf out = {0};
	bool ok = true;
	const char *p = s->s;
	while (*p) {
		const char *q = p + 2;
		if (p[0] == '$' && p[1] == '(') {
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
		}
		if (p[0] != '$' || p[1] != '(' || q == p + 2 || *q != ')') {
			buf_putc(&out, *p++);
			continue;
		}
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(q - p - 2), p + 2);
		const char *val = lookup(name, lctx);
		if (!val) {
			err(c, s->pos, field, "the variable is not defined in the build environment",
				"undefined variable $(%s)", name);
			ok = false;
			val = "";
		}
		buf_puts(&out, val);
		p = q + 1;
	}
	if (ok)
		s->s = arena_strndup(&c->r->arena, out.s ? out.s : "", out.len);
	buf_free(&out);
	return ok;
}

bool recipe_substitute(struct recipe *r, recipe_lookup_fn lookup, void *lctx, struct diags *d)
{
	struct ctx c = {r, d};
	size_t before = d->errors;
	bool url_var = r->source.url.set && recipe_has_var(r->source.url.s);
	bool sha_var = r->source.sha256.set && recipe_has_var(r->source.sha256.s);
	subst_one(&c, &r->source.url, "source.url", lookup, lctx);
	subst_one(&c, &r->source.sha256, "source.sha256", lookup, lctx);
	subst_one(&c, &r->source.extract_dir, "source.extract_dir", lookup, lctx);
	subst_one(&c, &r->build.cflags, "build.cflags", lookup, lctx);
	subst_one(&c, &r->build.cxxflags, "build.cxxflags", lookup, lctx);
	subst_one(&c, &r->build.ldflags, "build.ldflags", lookup, lctx);
	subst_one(&c, &r->build.backend_flags, "build.backend-flags", lookup, lctx);
	if (d->errors == before) {
		if (url_var && !*r->source.url.s)
			err(&c, r->source.url.pos, "source.url", NULL, "must not be empty");
		else if (url_var)
			check_url(&c);
		if (sha_var)
			check_sha256(&c);
		if (url_var)
			check_wheel(&c);
	}
	if (d->errors != before)
		r->ok = false;
	return d->errors == before;
}

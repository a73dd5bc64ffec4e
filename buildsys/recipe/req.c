#include "recipe/req.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void req_free(struct req *r)
{
	free(r->name);
	strv_free(&r->extras);
	free(r->spec);
	free(r->marker);
	*r = (struct req){0};
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

bool req_parse(const char *s, struct req *out)
{
	*out = (struct req){0};
	const char *p = skip_ws(s);
	if (!isalnum((unsigned char)*p)) {
		log_err("requirement '%s': expected a project name", s);
		return false;
	}
	const char *start = p;
	while (name_char(*p))
		p++;
	out->name = xstrndup(start, (size_t)(p - start));
	p = skip_ws(p);
	if (*p == '[') {
		p++;
		for (;;) {
			p = skip_ws(p);
			if (*p == ']')
				break;
			start = p;
			while (name_char(*p))
				p++;
			if (p == start) {
				log_err("requirement '%s': bad extra name", s);
				goto err;
			}
			strv_push(&out->extras, xstrndup(start, (size_t)(p - start)));
			p = skip_ws(p);
			if (*p == ',')
				p++;
			else if (*p != ']') {
				log_err("requirement '%s': expected ',' or ']' in extras", s);
				goto err;
			}
		}
		p++;
	}
	const char *semi = strchr(p, ';');
	if (*p == '@') {
		/* a URL may contain ';' only when followed by whitespace before the marker */
		const char *m = p;
		semi = NULL;
		while ((m = strchr(m, ';'))) {
			if (m > p && (m[-1] == ' ' || m[-1] == '\t')) {
				semi = m;
				break;
			}
			m++;
		}
	}
	out->spec = trim_dup(p, semi ? (size_t)(semi - p) : strlen(p));
	if (out->spec[0] == '(') {
		size_t n = strlen(out->spec);
		if (out->spec[n - 1] != ')') {
			log_err("requirement '%s': unbalanced parenthesis", s);
			goto err;
		}
		char *inner = trim_dup(out->spec + 1, n - 2);
		free(out->spec);
		out->spec = inner;
	}
	if (semi) {
		out->marker = trim_dup(semi + 1, strlen(semi + 1));
		if (!*out->marker) {
			log_err("requirement '%s': empty marker after ';'", s);
			goto err;
		}
	}
	return true;
err:
	req_free(out);
	return false;
}

void req_env_pyodide(struct req_env *env, const char *full, char pyver[16])
{
	size_t n = strcspn(full, ".");
	if (full[n] == '.')
		n += 1 + strcspn(full + n + 1, ".");
	if (n > 15)
		n = 15;
	memcpy(pyver, full, n);
	pyver[n] = '\0';
	*env = (struct req_env){
		.python_version = pyver,
		.python_full_version = full,
		.implementation_version = full,
		.implementation_name = "cpython",
		.platform_python_implementation = "CPython",
		.sys_platform = "emscripten",
		.platform_system = "Emscripten",
		.platform_machine = "wasm32",
		.platform_release = "",
		.platform_version = "",
		.os_name = "posix",
		.extra = "",
	};
}

int req_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = la && strspn(a, "0123456789") >= la, nb = lb && strspn(b, "0123456789") >= lb;
		int c;
		if (na && nb) {
			unsigned long long x = strtoull(a, NULL, 10), y = strtoull(b, NULL, 10);
			c = x < y ? -1 : x > y;
		} else if (!la || !lb) {
			/* "3.11" < "3.11.1", but "3.11" == "3.11.0" */
			const char *rest = la ? a : b;
			bool zero = strspn(rest, "0.") == strlen(rest);
			c = zero ? 0 : la ? 1 : -1;
			return c;
		} else {
			size_t m = la < lb ? la : lb;
			c = strncmp(a, b, m);
			if (!c)
				c = la < lb ? -1 : la > lb;
		}
		if (c)
			return c;
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	return 0;
}

/* ---- markers: a small recursive-descent evaluator ---- */

struct mparse {
	const char *s, *p;
	const struct req_env *env;
	bool err;
};

static void merr(struct mparse *m, const char *what)
{
	if (!m->err)
		log_err("marker '%s': %s at column %zu", m->s, what, (size_t)(m->p - m->s) + 1);
	m->err = true;
}

static bool mword(struct mparse *m, const char *w)
{
	const char *p = skip_ws(m->p);
	size_t n = strlen(w);
	if (strncmp(p, w, n) != 0 || isalnum((unsigned char)p[n]) || p[n] == '_')
		return false;
	m->p = p + n;
	return true;
}

static const char *env_var(const struct req_env *e, const char *name, size_t n, bool *version)
{
	static const struct {
		const char *name;
		size_t off;
		bool version;
	} vars[] = {
#define V(f, ver) {#f, offsetof(struct req_env, f), ver}
		V(python_version, true), V(python_full_version, true),
		V(implementation_version, true), V(implementation_name, false),
		V(platform_python_implementation, false), V(sys_platform, false),
		V(platform_system, false), V(platform_machine, false),
		V(platform_release, false), V(platform_version, false), V(os_name, false),
		V(extra, false),
#undef V
	};
	for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
		if (strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0) {
			*version = vars[i].version;
			const char *v = *(const char *const *)((const char *)e + vars[i].off);
			return v ? v : "";
		}
	}
	if (n == 30 && memcmp(name, "platform.python_implementation", 30) == 0)
		return e->platform_python_implementation;
	return NULL;
}

/* a value: a quoted string or a variable; returns a new string */
static char *mvalue(struct mparse *m, bool *version)
{
	const char *p = skip_ws(m->p);
	*version = false;
	if (*p == '\'' || *p == '"') {
		const char *end = strchr(p + 1, *p);
		if (!end) {
			m->p = p;
			merr(m, "unterminated string");
			return NULL;
		}
		m->p = end + 1;
		return xstrndup(p + 1, (size_t)(end - p - 1));
	}
	const char *start = p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
		p++;
	const char *v = p > start ? env_var(m->env, start, (size_t)(p - start), version) : NULL;
	if (!v) {
		m->p = start;
		merr(m, "expected a string or a marker variable");
		return NULL;
	}
	m->p = p;
	return xstrdup(v);
}

static bool version_like(const char *s)
{
	return isdigit((unsigned char)*s) && strspn(s, "0123456789.*") == strlen(s);
}

static bool compare(const char *op, const char *a, const char *b, bool as_version)
{
	if (strcmp(op, "in") == 0)
		return strstr(b, a) != NULL;
	if (strcmp(op, "not in") == 0)
		return strstr(b, a) == NULL;
	if (strcmp(op, "===") == 0)
		return strcmp(a, b) == 0;
	if (as_version && version_like(a) && version_like(b)) {
		size_t nb = strlen(b);
		if ((strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) && nb >= 2 &&
			strcmp(b + nb - 2, ".*") == 0) {
			bool pre = strncmp(a, b, nb - 2) == 0 && (a[nb - 2] == '\0' || a[nb - 2] == '.');
			return op[0] == '=' ? pre : !pre;
		}
		int c = req_version_cmp(a, b);
		if (strcmp(op, "~=") == 0) {
			const char *dot = strrchr(b, '.');
			if (!dot || c < 0)
				return false;
			size_t pn = (size_t)(dot - b);
			return strncmp(a, b, pn) == 0 && (a[pn] == '.' || a[pn] == '\0');
		}
		return strcmp(op, "==") == 0 ? c == 0 : strcmp(op, "!=") == 0 ? c != 0 :
			strcmp(op, "<") == 0 ? c < 0 : strcmp(op, "<=") == 0 ? c <= 0 :
			strcmp(op, ">") == 0 ? c > 0 : c >= 0;
	}
	int c = strcmp(a, b);
	return strcmp(op, "==") == 0 ? c == 0 : strcmp(op, "!=") == 0 ? c != 0 :
		strcmp(op, "<") == 0 ? c < 0 : strcmp(op, "<=") == 0 ? c <= 0 :
		strcmp(op, ">") == 0 ? c > 0 : strcmp(op, ">=") == 0 ? c >= 0 : false;
}

static bool mor(struct mparse *m, int depth);

static bool matom(struct mparse *m, int depth)
{
	const char *p = skip_ws(m->p);
	if (*p == '(') {
		if (depth > 64) {
			merr(m, "nested too deeply");
			return false;
		}
		m->p = p + 1;
		bool v = mor(m, depth + 1);
		p = skip_ws(m->p);
		if (*p != ')') {
			m->p = p;
			merr(m, "expected ')'");
			return false;
		}
		m->p = p + 1;
		return v;
	}
	bool va, vb;
	char *a = mvalue(m, &va);
	if (!a)
		return false;
	static const char *const ops[] = {"===", "==", "!=", "<=", ">=", "~=", "<", ">"};
	const char *op = NULL;
	p = skip_ws(m->p);
	for (size_t i = 0; i < ARRAY_LEN(ops) && !op; i++)
		if (strncmp(p, ops[i], strlen(ops[i])) == 0) {
			op = ops[i];
			m->p = p + strlen(op);
		}
	if (!op && mword(m, "in"))
		op = "in";
	if (!op && mword(m, "not")) {
		if (!mword(m, "in")) {
			merr(m, "expected 'in' after 'not'");
			free(a);
			return false;
		}
		op = "not in";
	}
	if (!op) {
		merr(m, "expected a comparison operator");
		free(a);
		return false;
	}
	char *b = mvalue(m, &vb);
	bool v = b && compare(op, a, b, va || vb);
	free(a);
	free(b);
	return v;
}

static bool mand(struct mparse *m, int depth)
{
	bool v = matom(m, depth);
	while (!m->err && mword(m, "and"))
		v = matom(m, depth) && v;
	return v;
}

static bool mor(struct mparse *m, int depth)
{
	bool v = mand(m, depth);
	while (!m->err && mword(m, "or"))
		v = mand(m, depth) || v;
	return v;
}

int req_marker_eval(const char *marker, const struct req_env *env)
{
	struct mparse m = {marker, marker, env, false};
	bool v = mor(&m, 0);
	if (!m.err && *skip_ws(m.p)) {
		m.p = skip_ws(m.p);
		merr(&m, "unexpected text");
	}
	return m.err ? -1 : v;
}

bool req_applies(const struct req *r, const struct req_env *env)
{
	return !r->marker || req_marker_eval(r->marker, env) == 1;
}

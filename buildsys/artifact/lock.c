#include "artifact/lock.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/wheel.h"
#include "base/log.h"
#include "recipe/recipe.h"
#include "recipe/req.h"
#include "toolchain/runtime.h"

struct lock {
	cJSON *root;
	char *origin;
	/* the keys its entries have besides the common ones (lock_parse: as its existing
	 * entries have them, else as its format has them) */
	bool shared_library_key, tool_key;
};

void lock_free(struct lock *l)
{
	if (!l)
		return;
	cJSON_Delete(l->root);
	free(l->origin);
	free(l);
}

void lock_pkg_free(struct lock_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->file_name);
	free(p->install_dir);
	free(p->sha256);
	free(p->package_type);
	strv_free(&p->imports);
	strv_free(&p->depends);
	*p = (struct lock_pkg){0};
}

/* line and column of byte offset off */
static void position(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* offset of the first byte that is not valid UTF-8, or len */
static size_t utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
			(c & 0xf8) == 0xf0 ? 3 : 4;
		if (n == 4 || (n == 1 && c < 0xc2) || i + n >= len + (n == 0))
			return i;
		unsigned cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
			(n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += n + 1;
	}
	return len;
}

static bool check_strings(const struct lock *l, const cJSON *arr, const char *pkg, const char *field)
{
	if (!cJSON_IsArray(arr)) {
		log_err("%s: packages.%s.%s: expected a list of strings", l->origin, pkg, field);
		return false;
	}
	int i = 0;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		if (!cJSON_IsString(c)) {
			log_err("%s: packages.%s.%s[%d]: expected a string", l->origin, pkg, field, i);
			return false;
		}
	}
	return true;
}

static bool check_package(const struct lock *l, const cJSON *p)
{
	static const char *const strings[] = {"name", "version", "file_name", "install_dir",
		"sha256", "package_type"};
	static const char *const required[] = {"name", "version", "file_name", "install_dir",
		"sha256", "imports", "depends"};
	const char *key = p->string;
	if (!cJSON_IsObject(p)) {
		log_err("%s: packages.%s: expected an object", l->origin, key);
		return false;
	}
	for (size_t i = 0; i < ARRAY_LEN(required); i++) {
		if (!cJSON_GetObjectItemCaseSensitive(p, required[i])) {
			log_err("%s: packages.%s: missing field '%s'", l->origin, key, required[i]);
			return false;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(strings); i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, strings[i]);
		if (f && !cJSON_IsString(f)) {
			log_err("%s: packages.%s.%s: expected a string", l->origin, key, strings[i]);
			return false;
		}
	}
	static const char *const bools[] = {"unvendored_tests", "shared_library"};
	for (size_t i = 0; i < ARRAY_LEN(bools); i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, bools[i]);
		if (f && !cJSON_IsBool(f)) {
			log_err("%s: packages.%s.%s: expected true or false", l->origin, key, bools[i]);
			return false;
		}
	}
	const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
	char *norm = recipe_normalize(name);
	bool same = strcmp(norm, key) == 0;
	free(norm);
	if (!same) {
		log_err("%s: packages.%s: the key is not the normalised name '%s'", l->origin, key,
			name);
		return false;
	}
	return check_strings(l, cJSON_GetObjectItemCaseSensitive(p, "imports"), key, "imports") &&
		check_strings(l, cJSON_GetObjectItemCaseSensitive(p, "depends"), key, "depends");
}

static bool check_tree(const struct lock *l)
{
	const cJSON *root = l->root;
	if (!cJSON_IsObject(root)) {
		log_err("%s: expected a JSON object at the top", l->origin);
		return false;
	}
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "info");
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	if (!cJSON_IsObject(info)) {
		log_err("%s: info: %s", l->origin, info ? "expected an object" : "missing");
		return false;
	}
	for (const cJSON *c = info->child; c; c = c->next) {
		if (!cJSON_IsString(c) && !cJSON_IsNumber(c)) {
			log_err("%s: info.%s: expected a string", l->origin, c->string);
			return false;
		}
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "python")) ||
		!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "platform"))) {
		log_err("%s: info: needs the strings 'python' and 'platform'", l->origin);
		return false;
	}
	if (!cJSON_IsObject(pkgs)) {
		log_err("%s: packages: %s", l->origin, pkgs ? "expected an object" : "missing");
		return false;
	}
	for (const cJSON *c = root->child; c; c = c->next)
		for (const cJSON *d = c->next; d; d = d->next)
			if (strcmp(c->string, d->string) == 0) {
				log_err("%s: '%s' appears twice", l->origin, c->string);
				return false;
			}
	for (const cJSON *p = pkgs->child; p; p = p->next) {
		if (!check_package(l, p))
			return false;
		if (cJSON_GetObjectItemCaseSensitive(pkgs, p->string) != p) {
			log_err("%s: packages.%s appears twice", l->origin, p->string);
			return false;
		}
	}
	return true;
}

static const char *info_string(const struct lock *l, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(l->root, "info"), key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* which optional keys the entries of l get: those its entries have, else (no entries)
 * shared_library in the format of Pyodide 0.25 */
static void entry_keys(struct lock *l)
{
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(l->root, "packages");
	enum runtime_lock_format f = runtime_lock_format(info_string(l, "version"),
		info_string(l, "abi_version"), info_string(l, "python"), info_string(l, "platform"),
		info_string(l, "arch"));
	if (!pkgs->child) {
		l->shared_library_key = f != RUNTIME_LOCK_ABI;
		return;
	}
	for (const cJSON *p = pkgs->child; p; p = p->next) {
		l->shared_library_key |= cJSON_HasObjectItem(p, "shared_library");
		l->tool_key |= cJSON_HasObjectItem(p, "tool");
	}
}

struct lock *lock_parse(const char *text, size_t len, const char *origin)
{
	struct lock *l = xcalloc(1, sizeof(*l));
	l->origin = xstrdup(origin);
	unsigned line, col;
	size_t bad = utf8_check((const unsigned char *)text, len);
	if (bad < len) {
		position(text, bad, &line, &col);
		log_err("%s:%u:%u: invalid UTF-8", origin, line, col);
		goto err;
	}
	if (memchr(text, '\0', len)) {
		position(text, (size_t)((const char *)memchr(text, '\0', len) - text), &line, &col);
		log_err("%s:%u:%u: NUL byte in JSON", origin, line, col);
		goto err;
	}
	const char *end = NULL;
	l->root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!l->root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
		position(text, off, &line, &col);
		log_err("%s:%u:%u: malformed JSON", origin, line, col);
		goto err;
	}
	while (end && end < text + len && (*end == ' ' || *end == '\n' || *end == '\r' ||
		*end == '\t'))
		end++;
	if (end && end < text + len) {
		position(text, (size_t)(end - text), &line, &col);
		log_err("%s:%u:%u: text after the JSON value", origin, line, col);
		goto err;
	}
	if (!check_tree(l))
		goto err;
	entry_keys(l);
	return l;
err:
	lock_free(l);
	return NULL;
}

struct lock *lock_load(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		log_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	struct lock *l = lock_parse(text, len, path);
	free(text);
	return l;
}

const char *lock_info(const struct lock *l, const char *key)
{
	return info_string(l, key);
}

bool lock_info_equal(const struct lock *a, const struct lock *b)
{
	return cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a->root, "info"),
		cJSON_GetObjectItemCaseSensitive(b->root, "info"), true);
}

char *lock_platform_tag(const struct lock *l, bool legacy)
{
	const char *arch = lock_info(l, "arch");
	return runtime_wheel_platform(lock_info(l, "abi_version"), lock_info(l, "platform"),
		arch ? arch : "wasm32", legacy);
}

char *lock_python_tag(const struct lock *l)
{
	const char *py = lock_info(l, "python");
	struct buf b = {0};
	buf_puts(&b, "cp");
	for (int dots = 0; *py && dots < 2; py++) {
		if (*py == '.')
			dots++;
		else
			buf_putc(&b, *py);
	}
	return buf_take(&b);
}

static cJSON *packages(const struct lock *l)
{
	return cJSON_GetObjectItemCaseSensitive(l->root, "packages");
}

size_t lock_count(const struct lock *l)
{
	return (size_t)cJSON_GetArraySize(packages(l));
}

void lock_names(const struct lock *l, struct strv *out)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, packages(l))
		if (e->string)
			strv_add(out, e->string);
}

bool lock_has(const struct lock *l, const char *name)
{
	char *norm = recipe_normalize(name);
	bool has = cJSON_GetObjectItemCaseSensitive(packages(l), norm) != NULL;
	free(norm);
	return has;
}

bool lock_remove(struct lock *l, const char *name)
{
	char *norm = recipe_normalize(name);
	cJSON *p = cJSON_DetachItemFromObjectCaseSensitive(packages(l), norm);
	free(norm);
	cJSON_Delete(p);
	return p != NULL;
}

/* ---- the one codec of an entry: lock_pkg <-> JSON object ---- */

static cJSON *string_array(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return a;
}

static void add_string(cJSON *o, const char *key, const char *v, const char *def)
{
	cJSON_AddStringToObject(o, key, v ? v : def);
}

/* an entry in the layout of a lock whose entries have (or not) shared_library and tool */
static cJSON *encode(const struct lock_pkg *p, bool shared_library_key, bool tool_key)
{
	cJSON *o = cJSON_CreateObject();
	add_string(o, "name", p->name, "");
	add_string(o, "version", p->version, "");
	add_string(o, "file_name", p->file_name, "");
	add_string(o, "install_dir", p->install_dir, "site");
	add_string(o, "sha256", p->sha256, "");
	add_string(o, "package_type", p->package_type, "package");
	cJSON_AddItemToObject(o, "imports", string_array(&p->imports));
	cJSON_AddItemToObject(o, "depends", string_array(&p->depends));
	cJSON_AddBoolToObject(o, "unvendored_tests", p->unvendored_tests);
	if (shared_library_key)
		cJSON_AddBoolToObject(o, "shared_library", p->shared_library);
	if (tool_key)
		cJSON_AddItemToObject(o, "tool", cJSON_CreateObject());
	return o;
}

static void strings_of(const cJSON *arr, struct strv *out)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c))
			strv_add(out, c->valuestring);
}

/* fill out from o; false when one of its string fields is missing (it is then "") */
static bool decode(const cJSON *o, struct lock_pkg *out)
{
	static const char *const keys[] = {"name", "version", "file_name", "install_dir", "sha256",
		"package_type"};
	char **dst[] = {&out->name, &out->version, &out->file_name, &out->install_dir, &out->sha256,
		&out->package_type};
	bool whole = true;
	*out = (struct lock_pkg){0};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		whole = whole && cJSON_IsString(v);
		*dst[i] = xstrdup(cJSON_IsString(v) ? v->valuestring : "");
	}
	strings_of(cJSON_GetObjectItemCaseSensitive(o, "imports"), &out->imports);
	strings_of(cJSON_GetObjectItemCaseSensitive(o, "depends"), &out->depends);
	out->unvendored_tests = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "unvendored_tests"));
	out->shared_library = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "shared_library")) ||
		strcmp(out->package_type, "shared_library") == 0;
	return whole;
}

bool lock_get(const struct lock *l, const char *name, struct lock_pkg *out)
{
	char *norm = recipe_normalize(name);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(packages(l), norm);
	free(norm);
	*out = (struct lock_pkg){0};
	if (!p)
		return false;
	decode(p, out);
	return true;
}

void lock_set(struct lock *l, const struct lock_pkg *p)
{
	cJSON *o = encode(p, l->shared_library_key, l->tool_key);
	char *norm = recipe_normalize(p->name);
	cJSON *pkgs = packages(l);
	if (cJSON_GetObjectItemCaseSensitive(pkgs, norm))
		cJSON_ReplaceItemInObjectCaseSensitive(pkgs, norm, o);
	else
		cJSON_AddItemToObject(pkgs, norm, o);
	free(norm);
}

void lock_pkgs_add(struct lock_pkgs *l, struct lock_pkg *p)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *p;
	*p = (struct lock_pkg){0};
}

void lock_pkgs_free(struct lock_pkgs *l)
{
	for (size_t i = 0; i < l->n; i++)
		lock_pkg_free(&l->v[i]);
	free(l->v);
	*l = (struct lock_pkgs){0};
}

char *lock_pkgs_render(const struct lock_pkgs *l, const char *name, const char *version,
	const char *type)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	cJSON_AddStringToObject(root, "name", name);
	cJSON_AddStringToObject(root, "version", version);
	cJSON_AddStringToObject(root, "type", type);
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, encode(&l->v[i], true, false));
	cJSON_AddItemToObject(root, "packages", arr);
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		xoom();
	char *s = xstrdup(text);
	cJSON_free(text);
	return s;
}

bool lock_pkgs_parse(const char *text, struct lock_pkgs *out)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "packages"), *e;
	bool ok = cJSON_IsArray(arr);
	if (!ok)
		arr = NULL;
	*out = (struct lock_pkgs){0};
	cJSON_ArrayForEach(e, arr) {
		struct lock_pkg p;
		ok = decode(e, &p);
		lock_pkgs_add(out, &p);
		if (!ok)
			break;
	}
	cJSON_Delete(root);
	if (!ok)
		lock_pkgs_free(out);
	return ok;
}

/* ---- constructing entries ---- */

void lock_pkg_init(struct lock_pkg *out, enum lock_kind kind, const char *name,
	const char *version, const char *file_name, const char *sha256)
{
	*out = (struct lock_pkg){0};
	out->name = xstrdup(name);
	out->version = xstrdup(version);
	out->file_name = xstrdup(file_name);
	out->install_dir = xstrdup(kind == LOCK_SHARED_LIBRARY ? "dynlib" : "site");
	out->sha256 = xstrdup(sha256);
	out->package_type = xstrdup(kind == LOCK_SHARED_LIBRARY ? "shared_library"
		: kind == LOCK_CPYTHON_MODULE ? "cpython_module" : "package");
	out->shared_library = kind == LOCK_SHARED_LIBRARY;
}

void lock_pkg_for_recipe(struct lock_pkg *out, const struct recipe *r, enum lock_kind kind,
	const char *file_name, const char *sha256)
{
	lock_pkg_init(out, kind, r->package.name.s, r->package.version.s, file_name, sha256);
	if (kind != LOCK_SHARED_LIBRARY) {
		for (size_t i = 0; i < r->package.top_level.n; i++)
			strv_add(&out->imports, r->package.top_level.v[i].s);
		if (!r->package.top_level.n)
			strv_add(&out->imports, r->package.name.s);
	}
	for (size_t i = 0; i < r->requirements.run.n; i++) {
		char *n = recipe_normalize(r->requirements.run.v[i].s);
		if (!strv_has(&out->depends, n))
			strv_push(&out->depends, n);
		else
			free(n);
	}
}

void lock_pkg_from_wheel(struct lock_pkg *out, const struct wheel *w, const char *file_name,
	const char *sha256, const struct lock *l, const struct strv *also)
{
	lock_pkg_init(out, LOCK_PACKAGE, w->meta.name, w->meta.version, file_name, sha256);
	for (size_t i = 0; i < w->meta.top_level.n; i++)
		strv_add(&out->imports, w->meta.top_level.v[i]);
	struct req_env env;
	char pyver[16];
	const char *py = lock_info(l, "python");
	req_env_pyodide(&env, py ? py : "3", pyver);
	char *self = recipe_normalize(w->meta.name);
	for (size_t i = 0; i < w->meta.requires_dist.n; i++) {
		struct req r;
		if (!req_parse(w->meta.requires_dist.v[i], &r)) {
			log_warn("%s: ignoring the malformed Requires-Dist '%s'", w->origin,
				w->meta.requires_dist.v[i]);
			continue;
		}
		char *dep = recipe_normalize(r.name);
		if (!req_applies(&r, &env) || strcmp(dep, self) == 0 || strv_has(&out->depends, dep)) {
			free(dep);
		} else if (lock_has(l, dep) || (also && strv_has(also, dep))) {
			strv_push(&out->depends, dep);
		} else {
			log_warn("%s: requires %s, which is not in the lockfile; "
				"loadPackage will not provide it", w->meta.name, r.name);
			free(dep);
		}
		req_free(&r);
	}
	free(self);
}

void lock_pkg_tests(struct lock_pkg *out, struct lock_pkg *pkg, const char *file_name,
	const char *sha256)
{
	char *name = xasprintf("%s-tests", pkg->name);
	lock_pkg_init(out, LOCK_PACKAGE, name, pkg->version, file_name, sha256);
	strv_push(&out->depends, recipe_normalize(pkg->name));
	pkg->unvendored_tests = true;
	free(name);
}

/* ---- rendering: what Python's json.dumps(obj, sort_keys=True) writes ---- */

static void put_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			p++;
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
			buf_putc(b, '\\');
			buf_putc(b, c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' :
				c == '\b' ? 'b' : 'f');
			p++;
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			buf_putc(b, (char)c);
			p++;
		} else {
			size_t n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
			unsigned cp = n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;
			for (size_t k = 1; k <= n && p[k]; k++)
				cp = (cp << 6) | (p[k] & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				buf_printf(b, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			} else {
				buf_printf(b, "\\u%04x", cp);
			}
			for (size_t k = 0; k <= n && *p; k++)
				p++;
		}
	}
	buf_putc(b, '"');
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static void render(struct buf *b, const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
		const cJSON **kids = xmalloc((n ? n : 1) * sizeof(*kids));
		for (const cJSON *c = v->child; c; c = c->next)
			kids[i++] = c;
		if (n)
			array_sort(kids, n, sizeof(*kids), cmp_keys);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i)
				buf_puts(b, ", ");
			put_string(b, kids[i]->string);
			buf_puts(b, ": ");
			render(b, kids[i]);
		}
		buf_putc(b, '}');
		free(kids);
	} else if (cJSON_IsArray(v)) {
		buf_putc(b, '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			render(b, c);
			if (c->next)
				buf_puts(b, ", ");
		}
		buf_putc(b, ']');
	} else if (cJSON_IsString(v)) {
		put_string(b, v->valuestring);
	} else if (cJSON_IsTrue(v)) {
		buf_puts(b, "true");
	} else if (cJSON_IsFalse(v)) {
		buf_puts(b, "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d))
			buf_puts(b, "null");
		else if (d == floor(d) && fabs(d) < 9007199254740992.0)
			buf_printf(b, "%.0f", d);
		else
			buf_printf(b, "%.17g", d);
	} else {
		buf_puts(b, "null");
	}
}

char *lock_render(const struct lock *l)
{
	struct buf b = {0};
	render(&b, l->root);
	return buf_take(&b);
}

bool lock_write(const struct lock *l, const char *path)
{
	char *s = lock_render(l);
	bool ok = write_file_atomic(path, s, strlen(s));
	if (!ok)
		log_err("%s: %s", path, strerror(errno));
	free(s);
	return ok;
}

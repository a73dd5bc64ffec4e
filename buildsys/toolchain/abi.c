#include "toolchain/abi.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"

static int cmp_time_t(const void *k, const void *e)
{
	return strcmp(k, ((const struct abi_time_t_sym *)e)->name);
}

const struct abi_time_t_sym *abi_time_t_lookup(const char *name)
{
	return bsearch(name, abi_time_t_syms, abi_time_t_nsyms, sizeof(abi_time_t_syms[0]),
		cmp_time_t);
}

bool abi_is_libcxx_symbol(const char *name)
{
	static const char *const std_prefixes[] = {
		"_ZNSt", "_ZNKSt", "_ZSt", "_ZTISt", "_ZTSSt", "_ZTVSt", "_ZTTSt",
		"_ZTINSt", "_ZTSNSt", "_ZTVNSt", "_ZTTNSt", "_ZThn", "_ZTv",
	};
	/* __cxa_atexit and friends belong to libc, not to libc++abi */
	if (str_startswith(name, "__cxa_") && !strstr(name, "atexit") &&
	    strcmp(name, "__cxa_finalize") != 0)
		return true;
	if (str_startswith(name, "__gxx_personality"))
		return true;
	if (!str_startswith(name, "_Z"))
		return false;
	if (strstr(name, "St3__"))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(std_prefixes); i++)
		if (str_startswith(name, std_prefixes[i]))
			return true;
	return false;
}

bool abi_is_libcxx_definition(const char *name)
{
	static const char *const special[] = {"TV", "TI", "TS", "TT", "GV"};
	if (!str_startswith(name, "_Z"))
		return false;
	name += 2;
	for (size_t i = 0; i < ARRAY_LEN(special); i++)
		if (str_startswith(name, special[i])) {
			name += 2;
			break;
		}
	if (*name == 'N') {
		name++;
		if (*name == 'K')
			name++;
	}
	return str_startswith(name, "St3__");
}

/* ---- runtime ---- */

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const struct abi_sym *)a)->name, ((const struct abi_sym *)b)->name);
}

static int cmp_sym_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct abi_sym *)e)->name);
}

const struct abi_sym *abi_runtime_find(const struct abi_runtime *rt, const char *name)
{
	if (!rt->nsyms)
		return NULL;
	return bsearch(name, rt->syms, rt->nsyms, sizeof(*rt->syms), cmp_sym_key);
}

struct symtab {
	struct abi_sym *v;
	size_t n, cap;
};

static struct abi_sym *sym_add(struct symtab *t, const char *name, bool func, const char *from)
{
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	struct abi_sym *s = &t->v[t->n++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->func = func;
	s->from = from;
	return s;
}

static void type_copy(struct wasm_functype *d, const struct wasm_functype *s)
{
	d->nparams = s->nparams;
	d->nresults = s->nresults;
	d->params = xmalloc(s->nparams);
	d->results = xmalloc(s->nresults);
	if (s->nparams)
		memcpy(d->params, s->params, s->nparams);
	if (s->nresults)
		memcpy(d->results, s->results, s->nresults);
}

/* Emscripten signature letters ("iij": returns i32, takes i32, i64) */
static bool sig_from_letters(const char *sig, struct wasm_functype *t)
{
	memset(t, 0, sizeof(*t));
	size_t n = strlen(sig);
	if (n == 0)
		return false;
	t->params = xmalloc(n);
	t->results = xmalloc(1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c;
		switch (sig[i]) {
		case 'i': case 'p': c = 0x7f; break;
		case 'j': c = 0x7e; break;
		case 'f': c = 0x7d; break;
		case 'd': c = 0x7c; break;
		case 'e': c = 0x6f; break;
		case 'v':
			if (i != 0)
				goto bad;
			continue;
		default:
			goto bad;
		}
		if (i == 0)
			t->results[t->nresults++] = c;
		else
			t->params[t->nparams++] = c;
	}
	return true;
bad:
	wasm_functype_free(t);
	return false;
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

/* every "NAME.sig=\"...\"" annotation of the JS glue, sorted by name */
struct jssig {
	char *name, *sig;
};

static int cmp_jssig(const void *a, const void *b)
{
	return strcmp(((const struct jssig *)a)->name, ((const struct jssig *)b)->name);
}

static int cmp_jssig_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct jssig *)e)->name);
}

static struct jssig *js_sigs(const char *js, size_t *n)
{
	struct jssig *v = NULL;
	size_t cap = 0;
	*n = 0;
	for (const char *p = js; (p = strstr(p, ".sig=\"")) != NULL; p += 6) {
		const char *b = p;
		while (b > js && is_ident(b[-1]))
			b--;
		const char *s = p + 6, *e = strchr(s, '"');
		if (b == p || !e)
			continue;
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		v[*n].name = xstrndup(b, (size_t)(p - b));
		v[*n].sig = xstrndup(s, (size_t)(e - s));
		(*n)++;
	}
	array_sort(v, *n, sizeof(*v), cmp_jssig);
	return v;
}

/* an import only modules built for JavaScript-based exceptions or setjmp/longjmp make */
static bool js_eh_import(const char *name)
{
	return str_startswith(name, "invoke_") || strcmp(name, "emscripten_longjmp") == 0 ||
		str_startswith(name, "__cxa_find_matching_catch_") ||
		strcmp(name, "__resumeException") == 0 || strcmp(name, "_emscripten_throw_longjmp") == 0;
}

/* names in the JS glue's `var wasmImports={name:fn,...}` object: what the
 * loader resolves besides wasm exports */
static bool js_imports(const char *path, struct symtab *t)
{
	size_t len;
	char *js = read_file(path, &len);
	if (!js) {
		log_err("%s: %s", path, strerror(errno));
		return false;
	}
	const char *p = strstr(js, "var wasmImports={");
	if (!p) {
		log_err("%s: cannot find the wasmImports object of the Emscripten glue", path);
		free(js);
		return false;
	}
	p += strlen("var wasmImports={");
	struct symtab js_syms = {0};
	size_t nsigs;
	struct jssig *sigs = js_sigs(js, &nsigs);
	while (*p && *p != '}') {
		char key[512], val[512];
		size_t k = 0, v = 0;
		bool quoted = *p == '"';
		if (quoted)
			p++;
		while (*p && (quoted ? *p != '"' : is_ident(*p)) && k + 1 < sizeof(key))
			key[k++] = *p++;
		key[k] = '\0';
		if (quoted && *p == '"')
			p++;
		if (k == 0 || (*p != ':' && (quoted || (*p != ',' && *p != '}'))))
			break;
		if (*p == ':') {
			p++;
			while (is_ident(*p) && v + 1 < sizeof(val))
				val[v++] = *p++;
		} else { /* shorthand {name,...} (the glue of 4.x and later): name is the value */
			memcpy(val, key, k);
			v = k;
		}
		val[v] = '\0';
		if (*p != ',' && *p != '}')
			v = 0; /* an expression, not a function name: no signature */
		while (*p && *p != ',' && *p != '}')
			p++;
		if (*p == ',')
			p++;
		struct abi_sym *s = sym_add(&js_syms, key, true, "JS library");
		const struct jssig *sg = v && nsigs ? bsearch(val, sigs, nsigs, sizeof(*sigs),
			cmp_jssig_key) : NULL;
		if (sg)
			s->has_type = s->params_only = sig_from_letters(sg->sig, &s->type);
	}
	bool ok = *p == '}';
	if (!ok)
		log_err("%s: cannot parse the wasmImports object of the Emscripten glue", path);
	for (size_t i = 0; i < js_syms.n; i++) {
		t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = js_syms.v[i];
	}
	free(js_syms.v);
	for (size_t i = 0; i < nsigs; i++) {
		free(sigs[i].name);
		free(sigs[i].sig);
	}
	free(sigs);
	free(js);
	return ok;
}

static char *lock_emscripten(const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *ver = NULL;
	if (!text) {
		log_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	cJSON *j = cJSON_Parse(text);
	const cJSON *plat = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "info"), "platform");
	if (!cJSON_IsString(plat) || !str_startswith(plat->valuestring, "emscripten_")) {
		log_err("%s: no info.platform \"emscripten_X_Y_Z\"", path);
		goto out;
	}
	ver = xstrdup(plat->valuestring + strlen("emscripten_"));
	for (char *c = ver; *c; c++)
		if (*c == '_')
			*c = '.';
out:
	cJSON_Delete(j);
	free(text);
	return ver;
}

struct time_t_find {
	const char *zip;
	int size;
};

static enum arc_step time_t_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct time_t_find *f = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name || !strstr(name, "_sysconfigdata_") || !strstr(name, "emscripten") ||
	    !str_endswith(name, ".py"))
		return ARC_NEXT;
	struct buf b = {0};
	if (arc_entry_data(a, &b, SIZE_MAX) < 0)
		log_err("%s: %s: %s", f->zip, name, archive_error_string(a));
	buf_putc(&b, '\0');
	const char *p = strstr(b.s, "'SIZEOF_TIME_T':");
	if (p)
		f->size = atoi(p + strlen("'SIZEOF_TIME_T':"));
	buf_free(&b);
	return ARC_STOP;
}

/* SIZEOF_TIME_T from the target's _sysconfigdata in python_stdlib.zip */
static int stdlib_time_t(const char *zip)
{
	struct time_t_find f = {.zip = zip, .size = -1};
	const struct arc_source src = {.path = zip, .formats = ARC_ZIP};
	if (arc_each(&src, time_t_entry, &f) && f.size <= 0)
		log_err("%s: no SIZEOF_TIME_T in the target's _sysconfigdata", zip);
	return f.size;
}

bool abi_runtime_load(const char *dir, struct abi_runtime *rt)
{
	char *wasm_path = path_join(dir, "pyodide.asm.wasm");
	/* 314 ships the loader as an ES module */
	char *js_path = path_join(dir, "pyodide.asm.js");
	if (!path_is_file(js_path)) {
		free(js_path);
		js_path = path_join(dir, "pyodide.asm.mjs");
	}
	char *lock_path = path_join(dir, "pyodide-lock.json");
	char *zip_path = path_join(dir, "python_stdlib.zip");
	struct wasm_module m = {0};
	struct symtab t = {0};
	unsigned char *data = NULL;
	size_t len;
	bool ok = false;

	memset(rt, 0, sizeof(*rt));
	rt->dir = xstrdup(dir);
	data = (unsigned char *)read_file(wasm_path, &len);
	if (!data) {
		log_err("%s: %s", wasm_path, strerror(errno));
		goto out;
	}
	if (!wasm_parse(data, len, wasm_path, &m))
		goto out;
	for (size_t i = 0; i < m.nexports; i++) {
		const struct wasm_export *e = &m.exports[i];
		if (e->kind != WASM_KIND_FUNC && e->kind != WASM_KIND_GLOBAL && e->kind != WASM_KIND_TAG)
			continue;
		struct abi_sym *s = sym_add(&t, e->name, e->kind == WASM_KIND_FUNC, "wasm export");
		const struct wasm_functype *ft;
		if (s->func && (ft = wasm_func_type(&m, e->index)) != NULL) {
			type_copy(&s->type, ft);
			s->has_type = true;
		}
	}
	if (!js_imports(js_path, &t))
		goto out;
	/* the main module's own function imports give the JS functions' wasm types */
	for (size_t i = 0; i < m.nimports; i++) {
		const struct wasm_import *im = &m.imports[i];
		if (im->kind != WASM_KIND_FUNC)
			continue;
		for (size_t j = 0; j < t.n; j++)
			if (strcmp(t.v[j].name, im->name) == 0 && strcmp(t.v[j].from, "JS library") == 0) {
				wasm_functype_free(&t.v[j].type);
				type_copy(&t.v[j].type, &m.types[im->type]);
				t.v[j].has_type = true;
				t.v[j].params_only = false;
			}
	}
	array_sort(t.v, t.n, sizeof(*t.v), cmp_sym);
	/* one entry per name: a wasm export wins over the JS name (the loader
	 * merges exports into the same table) */
	size_t w = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (w && strcmp(t.v[w - 1].name, t.v[i].name) == 0) {
			struct abi_sym *keep = &t.v[w - 1], *drop = &t.v[i];
			if (strcmp(drop->from, "wasm export") == 0) {
				struct abi_sym tmp = *keep;
				*keep = *drop;
				*drop = tmp;
			}
			free(drop->name);
			wasm_functype_free(&drop->type);
			continue;
		}
		t.v[w++] = t.v[i];
	}
	rt->syms = t.v;
	rt->nsyms = w;
	t.v = NULL;
	rt->emscripten = lock_emscripten(lock_path);
	rt->wasm_eh = rt->emscripten && atoi(rt->emscripten) >= 4;
	if (!rt->emscripten)
		goto out;
	rt->time_t_size = stdlib_time_t(zip_path);
	if (rt->time_t_size <= 0)
		goto out;
	ok = true;
out:
	if (t.v) {
		for (size_t i = 0; i < t.n; i++) {
			free(t.v[i].name);
			wasm_functype_free(&t.v[i].type);
		}
		free(t.v);
	}
	wasm_module_free(&m);
	free(data);
	free(wasm_path);
	free(js_path);
	free(lock_path);
	free(zip_path);
	return ok;
}

void abi_runtime_free(struct abi_runtime *rt)
{
	for (size_t i = 0; i < rt->nsyms; i++) {
		free(rt->syms[i].name);
		wasm_functype_free(&rt->syms[i].type);
	}
	free(rt->syms);
	free(rt->dir);
	free(rt->emscripten);
	memset(rt, 0, sizeof(*rt));
}

/* ---- toolchain ---- */

/* run argv with stdout and stderr into log (a file); exit status or -1 */
static int run_logged(char *const argv[], const char *log)
{
	struct proc_opts o = {.out = {PROC_FILE, .path = log}, .err = {PROC_AS_OUT}, .shell_127 = true};
	int st;
	if (!proc_run((const char *const *)argv, &o, &st))
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/kiln-abi-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		log_err("cannot create a temporary directory: %s", strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static void remove_tmp(const char *dir, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* log_err the last lines a command wrote */
static void log_tail(const char *cmd, const char *log)
{
	size_t len;
	char *text = read_file(log, &len);
	if (text && len > 2000)
		memmove(text, text + len - 2000, 2001);
	log_err("%s failed:\n%s", cmd, text ? text : "");
	free(text);
}

bool abi_toolchain_probe(const char *emcc, struct abi_toolchain *tc)
{
	static const char probe[] =
		"#include <time.h>\n"
		"#if !defined(__EMSCRIPTEN_major__) && __has_include(<emscripten/version.h>)\n"
		"#include <emscripten/version.h>\n" /* 3.1.x later than 3.1.6 */
		"#endif\n"
		"const unsigned char kiln_probe[] = {'K','I','L','N','P','R','O','B','E',\n"
		"  sizeof(time_t), __EMSCRIPTEN_major__, __EMSCRIPTEN_minor__, __EMSCRIPTEN_tiny__};\n";
	static const char *const names[] = {"probe.c", "probe.o", "log"};
	memset(tc, 0, sizeof(*tc));
	char *dir = make_tmpdir();
	if (!dir)
		return false;
	char *src = path_join(dir, "probe.c"), *obj = path_join(dir, "probe.o");
	char *log = path_join(dir, "log");
	unsigned char *data = NULL;
	size_t len;
	bool ok = false;
	if (!write_file_atomic(src, probe, sizeof(probe) - 1)) {
		log_err("%s: %s", src, strerror(errno));
		goto out;
	}
	struct strv argv = {0};
	strv_add(&argv, emcc);
	strv_add(&argv, "-c");
	strv_add(&argv, src);
	strv_add(&argv, "-o");
	strv_add(&argv, obj);
	int rc = run_logged(argv.v, log);
	strv_free(&argv);
	if (rc == 127) {
		log_err("cannot run the toolchain probe: %s not found", emcc);
		goto out;
	}
	if (rc != 0) {
		log_tail(emcc, log);
		goto out;
	}
	data = (unsigned char *)read_file(obj, &len);
	const unsigned char *p = data ? memmem(data, len, "KILNPROBE", 9) : NULL;
	if (!p || (size_t)(p - data) + 13 > len) {
		log_err("%s: the toolchain probe object has no marker", obj);
		goto out;
	}
	tc->time_t_size = p[9];
	tc->emscripten = xasprintf("%u.%u.%u", p[10], p[11], p[12]);
	ok = true;
out:
	free(data);
	free(src);
	free(obj);
	free(log);
	remove_tmp(dir, names, ARRAY_LEN(names));
	free(dir);
	return ok;
}

void abi_toolchain_free(struct abi_toolchain *tc)
{
	free(tc->emscripten);
	memset(tc, 0, sizeof(*tc));
}

/* ---- checking ---- */

struct mod {
	char *name;            /* path, or WHEEL!member */
	struct wasm_module w;
	const char **exports;  /* names of exported functions, globals and tags, sorted */
	size_t nexports;
	bool target;           /* checked (else only a provider) */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct modset {
	struct mod *v;
	size_t n, cap;
};

static void modset_free(struct modset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].exports);
		wasm_module_free(&s->v[i].w);
	}
	free(s->v);
}

static bool add_module(struct modset *s, const char *name, const unsigned char *data, size_t len,
	bool target)
{
	struct wasm_module w;
	if (!wasm_parse(data, len, name, &w)) {
		wasm_module_free(&w);
		return false;
	}
	if (!w.has_dylink) {
		log_err("%s: not an Emscripten side module (no dylink.0 section)", name);
		wasm_module_free(&w);
		return false;
	}
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	struct mod *m = &s->v[s->n++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	m->w = w;
	m->target = target;
	m->exports = xcalloc(w.nexports, sizeof(*m->exports));
	for (size_t i = 0; i < w.nexports; i++)
		if (w.exports[i].kind != WASM_KIND_MEMORY && w.exports[i].kind != WASM_KIND_TABLE)
			m->exports[m->nexports++] = w.exports[i].name;
	array_sort(m->exports, m->nexports, sizeof(*m->exports), cmp_str);
	return true;
}

static bool is_so_member(const char *name)
{
	const char *base = path_basename(name);
	return str_endswith(base, ".so") || strstr(base, ".so.") != NULL;
}

struct wheel_mods {
	struct modset *set;
	const char *path;
	bool target;
};

static enum arc_step wheel_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct wheel_mods *w = ctx;
	const char *member = archive_entry_pathname(e);
	if (!member || archive_entry_filetype(e) != AE_IFREG || !is_so_member(member))
		return ARC_NEXT;
	struct buf b = {0};
	int n = arc_entry_data(a, &b, SIZE_MAX);
	char *name = xasprintf("%s!%s", w->path, member);
	bool added = n == 0 && add_module(w->set, name, (unsigned char *)b.s, b.len, w->target);
	if (n < 0)
		log_err("%s: %s", name, archive_error_string(a));
	free(name);
	buf_free(&b);
	return added ? ARC_NEXT : ARC_FAIL;
}

/* the side modules of a wheel in memory */
static bool add_wheel(struct modset *s, const char *path, const unsigned char *data, size_t len,
	bool target)
{
	struct wheel_mods w = {.set = s, .path = path, .target = target};
	const struct arc_source src = {.data = data, .len = len, .origin = path, .formats = ARC_ZIP};
	return arc_each(&src, wheel_member, &w);
}

static bool add_path(struct modset *s, const char *path, bool target)
{
	size_t len;
	unsigned char *data = (unsigned char *)read_file(path, &len);
	bool ok;
	if (!data) {
		log_err("%s: %s", path, strerror(errno));
		return false;
	}
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
		ok = add_wheel(s, path, data, len, target);
	else
		ok = add_module(s, path, data, len, target);
	free(data);
	return ok;
}

static void add_finding(struct abi_report *rep, const char *file, const struct wasm_import *im,
	enum abi_kind kind, char *have, char *want, char *msg)
{
	rep->v = xgrow(rep->v, &rep->cap, rep->n + 1, sizeof(*rep->v));
	struct abi_finding *f = &rep->v[rep->n++];
	f->file = xstrdup(file);
	f->import = xasprintf("%s.%s", im->module, im->name);
	f->symbol = xstrdup(im->name);
	f->kind = kind;
	f->have = have;
	f->want = want;
	f->message = msg;
}

static bool exported_by(const struct mod *m, const char *name)
{
	return m->nexports && bsearch(&name, m->exports, m->nexports, sizeof(*m->exports), cmp_str);
}

static bool needed_available(const struct modset *s, const struct mod *m)
{
	for (size_t i = 0; i < m->w.nneeded; i++) {
		bool found = false;
		for (size_t j = 0; j < s->n && !found; j++) {
			const char *n = s->v[j].name, *bang = strrchr(n, '!');
			found = strcmp(path_basename(bang ? bang + 1 : n), m->w.needed[i]) == 0;
		}
		if (!found) {
			log_warn("%s: needed library %s is not available (--lib): "
				 "missing symbols are not reported", m->name, m->w.needed[i]);
			return false;
		}
	}
	return true;
}

/* JS functions take whatever type the importer declares; the glue's .sig
 * annotations are reliable for parameters only (e.g. "vp" for a function that
 * returns its argument) */
static bool same_type(const struct wasm_functype *have, const struct abi_sym *rs)
{
	if (!rs->params_only)
		return wasm_functype_eq(have, &rs->type);
	return have->nparams == rs->type.nparams &&
	       (have->nparams == 0 || memcmp(have->params, rs->type.params, have->nparams) == 0);
}

/* The module's "kiln.time64" section lists each runtime import its compat shims make;
 * an import is accepted only against an entry not used yet, so a second import of the
 * same name (made by other code, with the toolchain's layout) is still reported. */
static bool take_time64(const struct mod *m, bool *used, const char *name)
{
	for (size_t i = 0; i < m->w.ntime64; i++)
		if (!used[i] && strcmp(m->w.time64[i], name) == 0) {
			used[i] = true;
			return true;
		}
	return false;
}

static bool listed(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void check_module(const struct abi_runtime *rt, const struct abi_opts *o,
	const struct modset *s, const struct mod *m, struct abi_report *rep)
{
	const struct abi_toolchain *tc = o->tc;
	bool libcxx_differs = !tc || !tc->emscripten || strcmp(tc->emscripten, rt->emscripten) != 0;
	bool time_t_differs = !tc || tc->time_t_size != rt->time_t_size;
	int needed_ok = -1;
	bool *t64_used = xcalloc(m->w.ntime64 + 1, sizeof(*t64_used));

	for (size_t i = 0; i < m->w.nimports; i++) {
		const struct wasm_import *im = &m->w.imports[i];
		bool gotfunc = strcmp(im->module, "GOT.func") == 0;
		bool got = gotfunc || strcmp(im->module, "GOT.mem") == 0;
		bool env = strcmp(im->module, "env") == 0 ||
			   strcmp(im->module, "wasi_snapshot_preview1") == 0;
		if (im->kind == WASM_KIND_TAG) {
			const struct abi_sym *ts = abi_runtime_find(rt, im->name);
			if (rt->wasm_eh && (strcmp(im->name, "__cpp_exception") == 0 ||
						   strcmp(im->name, "__c_longjmp") == 0))
				continue; /* the loader of a wasm-EH runtime provides both */
			if (!ts || ts->func)
				add_finding(rep, m->name, im, ABI_MISSING, NULL, NULL,
					xasprintf("exception tag: the runtime exports no tag '%s' "
						  "(module built for wasm exception handling, the "
						  "runtime uses JavaScript-based exceptions)", im->name));
			continue;
		}
		if (!got && im->kind != WASM_KIND_FUNC)
			continue; /* memory, table, __stack_pointer, __memory_base, ... */
		if (o->allow && strv_has(o->allow, im->name))
			continue;
		if (rt->wasm_eh && env && js_eh_import(im->name)) {
			add_finding(rep, m->name, im, ABI_MISSING, NULL, NULL,
				xasprintf("JavaScript-based exceptions or setjmp/longjmp ('%s'), but "
					  "the runtime (emscripten %s) uses wasm exceptions: build with "
					  "-fwasm-exceptions -sSUPPORT_LONGJMP=wasm at compile and link",
					im->name, rt->emscripten));
			continue;
		}
		if (!got && !env) {
			add_finding(rep, m->name, im, ABI_MISSING, NULL, NULL,
				xasprintf("module '%s' is not one the Emscripten loader provides "
					  "(env, wasi_snapshot_preview1, GOT.mem, GOT.func)", im->module));
			continue;
		}
		const struct wasm_functype *have = got ? NULL : &m->w.types[im->type];
		const struct abi_sym *rs = abi_runtime_find(rt, im->name);
		if (rs) {
			const struct abi_time_t_sym *tt = abi_time_t_lookup(im->name);
			if (libcxx_differs && abi_is_libcxx_symbol(im->name) &&
				listed(m->w.libcxx, m->w.nlibcxx, im->name) &&
				(!have || !rs->func || !rs->has_type || same_type(have, rs))) {
				/* allowed by kiln's private libc++ link (kiln.libcxx) */
			} else if (libcxx_differs && abi_is_libcxx_symbol(im->name)) {
				add_finding(rep, m->name, im, ABI_LIBCXX, NULL, NULL,
					xasprintf("libc++ symbol bound to the runtime's libc++ "
						  "(emscripten %s), but the module was compiled against "
						  "the libc++ headers of emscripten %s and libc++'s ABI "
						  "(std::__2) is not stable across versions: link a "
						  "private libc++ (docs/abi.md)",
						rt->emscripten, tc && tc->emscripten ? tc->emscripten : "?"));
			} else if (have && rs->func && rs->has_type && !same_type(have, rs)) {
				char *h = wasm_functype_str(have), *w = wasm_functype_str(&rs->type);
				char *msg = time_t_differs && tt
					? xasprintf("signature %s, runtime has %s (the prototype "
						    "involves %s; time_t is %d bytes in the toolchain, "
						    "%d in the runtime)", h, w,
						tt->why, tc ? tc->time_t_size : 0, rt->time_t_size)
					: xasprintf("signature %s, runtime has %s", h, w);
				add_finding(rep, m->name, im, ABI_SIGNATURE, h, w, msg);
			} else if (!got && time_t_differs && tt && take_time64(m, t64_used, im->name)) {
				/* made by kiln's time64 compat layer with the runtime's layout */
			} else if ((!got || gotfunc) && time_t_differs && tt) {
				add_finding(rep, m->name, im, ABI_TIME_T, NULL, NULL,
					xasprintf("time_t layout: the prototype involves %s; time_t "
						  "is %d bytes in the toolchain (emscripten %s), %d in "
						  "the runtime (emscripten %s)", tt->why,
						tc ? tc->time_t_size : 0,
						tc && tc->emscripten ? tc->emscripten : "?",
						rt->time_t_size, rt->emscripten));
			}
			continue;
		}
		bool provided = false;
		for (size_t j = 0; j < s->n && !provided; j++)
			provided = exported_by(&s->v[j], im->name);
		if (provided || (!got && str_startswith(im->name, "invoke_")) ||
		    (im->flags & WASM_SYM_WEAK))
			continue;
		if (needed_ok < 0)
			needed_ok = needed_available(s, m);
		if (!needed_ok)
			continue;
		add_finding(rep, m->name, im, ABI_MISSING, have ? wasm_functype_str(have) : NULL, NULL,
			xstrdup(got ? "undefined symbol: not exported by the runtime nor by this "
				      "module or the modules checked with it"
				    : "undefined function: not provided by the runtime (wasm "
				      "exports, JS library) nor by this module or the modules "
				      "checked with it"));
	}
	free(t64_used);
}

static bool check_set(const struct abi_runtime *rt, const struct abi_opts *o, struct modset *s,
	struct abi_report *rep)
{
	if (o->libs)
		for (size_t i = 0; i < o->libs->n; i++)
			if (!add_path(s, o->libs->v[i], false))
				return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].target) {
			check_module(rt, o, s, &s->v[i], rep);
			rep->modules++;
		}
	return true;
}

bool abi_check_path(const struct abi_runtime *rt, const struct abi_opts *o, const char *path,
	struct abi_report *rep)
{
	struct modset s = {0};
	bool ok = add_path(&s, path, true) && check_set(rt, o, &s, rep);
	modset_free(&s);
	return ok;
}

bool abi_check_buffer(const struct abi_runtime *rt, const struct abi_opts *o, const char *name,
	const unsigned char *data, size_t len, struct abi_report *rep)
{
	struct modset s = {0};
	bool ok = add_module(&s, name, data, len, true) && check_set(rt, o, &s, rep);
	modset_free(&s);
	return ok;
}

void abi_report_free(struct abi_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct abi_finding *f = &rep->v[i];
		free(f->file);
		free(f->import);
		free(f->symbol);
		free(f->have);
		free(f->want);
		free(f->message);
	}
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

const char *abi_kind_name(enum abi_kind k)
{
	switch (k) {
	case ABI_MISSING: return "missing";
	case ABI_SIGNATURE: return "signature";
	case ABI_TIME_T: return "time_t";
	case ABI_LIBCXX: return "libc++";
	}
	return "?";
}

char *abi_report_text(const struct abi_report *rep)
{
	struct buf b = {0};
	for (size_t i = 0; i < rep->n; i++) {
		const struct abi_finding *f = &rep->v[i];
		buf_printf(&b, "%s: error: import %s: %s\n", f->file, f->import, f->message);
	}
	return buf_take(&b);
}

char *abi_report_json(const struct abi_report *rep)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	cJSON_AddNumberToObject(root, "modules", (double)rep->modules);
	cJSON_AddItemToObject(root, "findings", arr);
	for (size_t i = 0; i < rep->n; i++) {
		const struct abi_finding *f = &rep->v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", f->file);
		cJSON_AddStringToObject(o, "import", f->import);
		cJSON_AddStringToObject(o, "symbol", f->symbol);
		cJSON_AddStringToObject(o, "kind", abi_kind_name(f->kind));
		if (f->have)
			cJSON_AddStringToObject(o, "module_signature", f->have);
		if (f->want)
			cJSON_AddStringToObject(o, "runtime_signature", f->want);
		cJSON_AddStringToObject(o, "message", f->message);
		cJSON_AddItemToArray(arr, o);
	}
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	char *r = xasprintf("%s\n", s ? s : "{}");
	free(s);
	return r;
}

/* ---- private libc++ ---- */

/* the members of an archive being rewritten, each written to a file of dir */
struct hide_members {
	const char *in, *dir;
	bool (*want)(const char *name);
	struct strv files;
};

static enum arc_step hide_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct hide_members *h = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name || !str_endswith(name, ".o"))
		return ARC_NEXT;
	struct buf b = {0};
	int n = arc_entry_data(a, &b, SIZE_MAX);
	char *what = xasprintf("%s(%s)", h->in, name);
	long hidden = n == 0 ? wasm_object_hide_symbols((uint8_t *)b.s, b.len, what, h->want) : -1;
	if (n < 0)
		log_err("%s: %s", what, archive_error_string(a));
	free(what);
	/* members may share a name: number them, keep the order */
	char *file = xasprintf("%s/%04zu-%s", h->dir, h->files.n, path_basename(name));
	bool written = hidden >= 0 && write_file_atomic(file, b.s, b.len);
	if (hidden >= 0 && !written)
		log_err("%s: %s", file, strerror(errno));
	buf_free(&b);
	strv_push(&h->files, file);
	return written ? ARC_NEXT : ARC_FAIL;
}

static bool hide_archive(const char *in, const char *out, const char *ar,
	bool (*want)(const char *name))
{
	struct hide_members h = {.in = in, .want = want};
	const struct arc_source src = {.path = in, .formats = ARC_AR};
	struct strv argv = {0};
	char *dir = make_tmpdir(), *log = NULL;
	bool ok = false;

	h.dir = dir;
	if (!dir || !arc_each(&src, hide_member, &h))
		goto out;
	if (h.files.n == 0) {
		log_err("%s: no wasm objects in the archive", in);
		goto out;
	}
	unlink(out);
	strv_add(&argv, ar);
	strv_add(&argv, "rcs");
	strv_add(&argv, out);
	for (size_t i = 0; i < h.files.n; i++)
		strv_add(&argv, h.files.v[i]);
	log = path_join(dir, "ar.log");
	if (run_logged(argv.v, log) != 0) {
		log_tail(ar, log);
		goto out;
	}
	ok = true;
out:
	for (size_t i = 0; i < h.files.n; i++)
		unlink(h.files.v[i]);
	if (log)
		unlink(log);
	if (dir)
		rmdir(dir);
	free(dir);
	free(log);
	strv_free(&h.files);
	strv_free(&argv);
	return ok;
}

bool abi_private_archive(const char *in, const char *out, const char *ar)
{
	return hide_archive(in, out, ar, NULL);
}

bool abi_hide_libcxx_archive(const char *in, const char *out, const char *ar)
{
	return hide_archive(in, out, ar, abi_is_libcxx_definition);
}

bool abi_hide_libcxx_object(const char *path)
{
	size_t len;
	uint8_t *data = (uint8_t *)read_file(path, &len);
	if (!data) {
		log_err("%s: %s", path, strerror(errno));
		return false;
	}
	long n = wasm_object_hide_symbols(data, len, path, abi_is_libcxx_definition);
	bool ok = n >= 0;
	if (ok && n > 0 && !write_file_atomic(path, data, len)) {
		log_err("%s: %s", path, strerror(errno));
		ok = false;
	}
	if (ok)
		log_debug("%s: %ld libc++ symbols hidden", path, n);
	free(data);
	return ok;
}

#include "recipe/graph.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"

void graph_init(struct graph *g)
{
	memset(g, 0, sizeof(*g));
}

void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		recipe_free(g->nodes[i].r);
		free(g->nodes[i].host);
		free(g->nodes[i].run);
	}
	free(g->nodes);
	strv_free(&g->lock);
	strv_free(&g->broken);
	free(g->lazy_lock);
	memset(g, 0, sizeof(*g));
}

void graph_add(struct graph *g, struct recipe *r)
{
	if (!r->norm_name) {
		recipe_free(r);
		return;
	}
	g->nodes = xgrow(g->nodes, &g->cap, g->n + 1, sizeof(*g->nodes));
	g->nodes[g->n] = (struct graph_node){.r = r, .seq = g->n, .disabled = r->package.disabled.v};
	g->n++;
	g->resolved = false;
}

void graph_add_broken(struct graph *g, const char *name)
{
	strv_push(&g->broken, recipe_normalize(name));
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct loader {
	char **files;
	struct recipe **out;
	bool *missing;
	size_t n;
	atomic_size_t next; /* the next file to take */
};

struct worker {
	struct loader *l;
	struct diags d;
};

/* Each thread takes the next file until none is left, so a thread that
 * starts late (a busy or sleeping CPU) costs only its own share. The
 * diagnostics of one file all come from one thread, in order. */
static void *load_some(void *arg)
{
	struct worker *w = arg;
	struct loader *l = w->l;
	for (size_t i; (i = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed)) < l->n;)
		l->out[i] = recipe_try_load(l->files[i], &w->d, &l->missing[i]);
	return NULL;
}

/* move every diagnostic of src to the end of dst */
static void diags_move(struct diags *dst, struct diags *src)
{
	if (!src->n)
		return;
	dst->v = xgrow(dst->v, &dst->cap, dst->n + src->n, sizeof(*dst->v));
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	free(src->v);
	memset(src, 0, sizeof(*src));
}

/* Parse the files that exist on up to 8 threads: recipes are independent, and
 * libyaml is most of the time of a check. Results are added in file order;
 * the number of recipes found is returned. */
static size_t load_files(struct graph *g, struct strv *files, struct strv *dirnames,
	struct diags *d)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = files->n < 64 || cpus < 2 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
	size_t n = files->n ? files->n : 1, found = 0;
	struct loader l = {files->v, xcalloc(n, sizeof(*l.out)), xcalloc(n, sizeof(*l.missing)),
		files->n, 0};
	struct worker w[8];
	pthread_t tid[8];
	size_t started = 1;
	for (size_t t = 0; t < threads; t++)
		w[t] = (struct worker){&l, {0}};
	for (size_t t = 1; t < threads; t++, started++)
		if (pthread_create(&tid[t], NULL, load_some, &w[t]) != 0)
			break;
	load_some(&w[0]);
	for (size_t t = 1; t < started; t++)
		pthread_join(tid[t], NULL);
	for (size_t t = 0; t < started; t++)
		diags_move(d, &w[t].d);
	for (size_t i = 0; i < l.n; i++) {
		if (l.missing[i])
			continue;
		found++;
		if (l.out[i])
			graph_add(g, l.out[i]);
		else
			graph_add_broken(g, dirnames->v[i]);
	}
	free(l.out);
	free(l.missing);
	return found;
}

/* Every DIR/NAME/meta.yaml; an entry without one (a file, a directory of
 * something else) is not a recipe and is skipped. */
bool graph_load_dir(struct graph *g, const char *dir, struct diags *d, size_t *count)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		log_err("cannot read recipe directory %s: %s", dir, strerror(errno));
		return false;
	}
	struct strv names = {0}, files = {0};
	struct dirent *e;
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.')
			strv_add(&names, e->d_name);
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmpstr);
	for (size_t i = 0; i < names.n; i++) {
		char *sub = path_join(dir, names.v[i]);
		strv_push(&files, path_join(sub, "meta.yaml"));
		free(sub);
	}
	*count = load_files(g, &files, &names, d);
	strv_free(&names);
	strv_free(&files);
	return true;
}

bool graph_load_all(struct graph *g, const char *dir, const char *lock, bool use_lock,
	struct diags *d)
{
	size_t count = 0;
	bool ok = graph_load_dir(g, dir, d, &count);
	if (ok && !count) {
		log_err("%s: no */meta.yaml recipes in this directory", dir);
		ok = false;
	}
	ok = ok && (!use_lock || graph_load_runtime_lock(g, lock));
	if (ok)
		graph_resolve(g, d);
	diags_sort(d);
	return ok;
}

bool graph_load_lock(struct graph *g, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		log_err("cannot read runtime lock %s: %s", path, strerror(errno));
		return false;
	}
	cJSON *root = cJSON_ParseWithLength(text, len);
	free(text);
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	if (!cJSON_IsObject(pkgs)) {
		log_err("%s: not a pyodide-lock.json (no \"packages\" object)", path);
		cJSON_Delete(root);
		return false;
	}
	const cJSON *p;
	cJSON_ArrayForEach(p, pkgs)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		const char *s = cJSON_IsString(name) ? name->valuestring : p->string;
		if (s)
			strv_push(&g->lock, recipe_normalize(s));
	}
	cJSON_Delete(root);
	if (g->lock.n)
		qsort(g->lock.v, g->lock.n, sizeof(*g->lock.v), cmpstr);
	return true;
}

bool graph_load_runtime_lock(struct graph *g, const char *path)
{
	if (path)
		return graph_load_lock(g, path);
	char *def = path_join(config_pyodide_dir(), "pyodide-lock.json");
	free(g->lazy_lock);
	g->lazy_lock = NULL;
	if (path_exists(def))
		g->lazy_lock = def;
	else
		free(def);
	return true;
}

static int cmpnode(const void *a, const void *b)
{
	const struct graph_node *x = a, *y = b;
	int c = strcmp(x->r->norm_name, y->r->norm_name);
	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* after sorting: report and drop every recipe whose name an earlier one has */
static void drop_duplicates(struct graph *g, struct diags *d)
{
	size_t keep = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct graph_node *nd = &g->nodes[i];
		if (keep && !strcmp(g->nodes[keep - 1].r->norm_name, nd->r->norm_name)) {
			const struct recipe *r = nd->r;
			diag_add(d, DIAG_ERROR, r->file, r->package.name.pos.line,
				r->package.name.pos.col, "package.name",
				"package names must be unique (compared PEP 503 normalised)",
				"'%s' is also defined by %s", r->package.name.s,
				g->nodes[keep - 1].r->file);
			recipe_free(nd->r);
			free(nd->host);
			free(nd->run);
			continue;
		}
		g->nodes[keep++] = *nd;
	}
	g->n = keep;
}

long graph_find(const struct graph *g, const char *name)
{
	char small[128];
	size_t len = strlen(name);
	char *norm = len < sizeof(small) ? small : xmalloc(len + 1);
	recipe_normalize_to(name, norm);
	size_t lo = 0, hi = g->n;
	long found = -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->nodes[mid].r->norm_name, norm);
		if (!c) {
			found = (long)mid;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (norm != small)
		free(norm);
	return found;
}

static bool in_sorted(const struct strv *sv, const char *norm)
{
	return sv->n && bsearch(&norm, sv->v, sv->n, sizeof(*sv->v), cmpstr);
}

static void dep_diag(struct diags *d, enum diag_level lvl, const struct recipe *r,
	const struct recipe_list *l, const struct recipe_str *dep, const char *hint,
	const char *msg)
{
	char field[64];
	snprintf(field, sizeof(field), "requirements.%s[%zu]",
		l == &r->requirements.host ? "host" : "run", (size_t)(dep - l->v));
	diag_add(d, lvl, r->file, dep->pos.line, dep->pos.col, field, hint, "%s", msg);
}

static void unknown_dep(const struct graph *g, const struct recipe *r,
	const struct recipe_list *l, const struct recipe_str *dep, struct diags *d)
{
	const char **cands = xmalloc((g->n + g->lock.n + 1) * sizeof(*cands));
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		cands[n++] = g->nodes[i].r->package.name.s;
	for (size_t i = 0; i < g->lock.n; i++)
		cands[n++] = g->lock.v[i];
	const char *s = str_suggest(dep->s, cands, n);
	char *hint = s ? xasprintf("did you mean '%s'?", s)
		       : xstrdup("no recipe or runtime package has this name");
	char *msg = xasprintf("unknown package '%s'", dep->s);
	dep_diag(d, DIAG_ERROR, r, l, dep, hint, msg);
	free(msg);
	free(hint);
	free(cands);
}

static void resolve_list(struct graph *g, size_t i, bool host, struct diags *d)
{
	struct graph_node *nd = &g->nodes[i];
	const struct recipe *r = nd->r;
	const struct recipe_list *l = host ? &r->requirements.host : &r->requirements.run;
	struct graph_edge *edges = xmalloc((l->n ? l->n : 1) * sizeof(*edges));
	size_t n = 0;
	for (size_t k = 0; k < l->n; k++) {
		const struct recipe_str *dep = &l->v[k];
		if (!*dep->s)
			continue;
		long to = graph_find(g, dep->s);
		if (to < 0) {
			char *norm = recipe_normalize(dep->s);
			if (g->lazy_lock) {
				char *lock = g->lazy_lock;
				g->lazy_lock = NULL;
				graph_load_lock(g, lock);
				free(lock);
			}
			if (!in_sorted(&g->lock, norm) && !strv_has(&g->broken, norm))
				unknown_dep(g, r, l, dep, d);
			free(norm);
			continue;
		}
		const struct recipe *t = g->nodes[to].r;
		if (!host && t->build.type == RECIPE_STATIC_LIBRARY) {
			char *msg = xasprintf("'%s' is a static library: it can only be a host "
					      "dependency", dep->s);
			dep_diag(d, DIAG_ERROR, r, l, dep, "move it to requirements.host", msg);
			free(msg);
		}
		edges[n++] = (struct graph_edge){(size_t)to, dep};
	}
	if (host) {
		nd->host = edges;
		nd->n_host = n;
	} else {
		nd->run = edges;
		nd->n_run = n;
	}
}

enum { WHITE, GREY, BLACK };

struct dfs {
	const struct graph *g;
	struct diags *d;
	unsigned char *color;
	size_t *stack, depth;
};

static void report_cycle(struct dfs *s, size_t u, const struct graph_edge *e, bool host)
{
	struct buf path = {0};
	size_t k = s->depth;
	while (k > 0 && s->stack[k - 1] != e->to)
		k--;
	for (size_t j = k - 1; j < s->depth; j++)
		buf_printf(&path, "%s → ", s->g->nodes[s->stack[j]].r->package.name.s);
	buf_puts(&path, s->g->nodes[e->to].r->package.name.s);
	const struct recipe *r = s->g->nodes[u].r;
	char *msg = xasprintf("dependency cycle: %s", path.s);
	dep_diag(s->d, DIAG_ERROR, r, host ? &r->requirements.host : &r->requirements.run, e->dep,
		"remove one of the dependencies in the cycle", msg);
	free(msg);
	buf_free(&path);
}

static void dfs_visit(struct dfs *s, size_t u)
{
	const struct graph_node *nd = &s->g->nodes[u];
	s->color[u] = GREY;
	s->stack[s->depth++] = u;
	for (int pass = 0; pass < 2; pass++) {
		const struct graph_edge *ev = pass ? nd->run : nd->host;
		size_t n = pass ? nd->n_run : nd->n_host;
		for (size_t k = 0; k < n; k++) {
			size_t v = ev[k].to;
			if (s->color[v] == GREY)
				report_cycle(s, u, &ev[k], !pass);
			else if (s->color[v] == WHITE)
				dfs_visit(s, v);
		}
	}
	s->depth--;
	s->color[u] = BLACK;
}

static void propagate_disabled(struct graph *g, struct diags *d)
{
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < g->n; i++) {
			struct graph_node *nd = &g->nodes[i];
			for (int pass = 0; pass < 2 && !nd->disabled; pass++) {
				const struct graph_edge *ev = pass ? nd->run : nd->host;
				size_t n = pass ? nd->n_run : nd->n_host;
				for (size_t k = 0; k < n && !nd->disabled; k++)
					if (g->nodes[ev[k].to].disabled)
						nd->disabled = changed = true;
			}
		}
	}
	if (!d)
		return;
	for (size_t i = 0; i < g->n; i++) {
		const struct graph_node *nd = &g->nodes[i];
		if (nd->r->package.disabled.v)
			continue;
		for (int pass = 0; pass < 2; pass++) {
			const struct graph_edge *ev = pass ? nd->run : nd->host;
			size_t n = pass ? nd->n_run : nd->n_host;
			const struct recipe_list *l =
				pass ? &nd->r->requirements.run : &nd->r->requirements.host;
			for (size_t k = 0; k < n; k++) {
				const struct graph_node *t = &g->nodes[ev[k].to];
				if (!t->disabled)
					continue;
				char *msg = xasprintf("'%s' is disabled, so '%s' is disabled too",
					t->r->package.name.s, nd->r->package.name.s);
				dep_diag(d, DIAG_WARNING, nd->r, l, ev[k].dep,
					t->r->package.disabled.v ? "it sets package._disabled"
								 : "it depends on a disabled recipe",
					msg);
				free(msg);
			}
		}
	}
}

void graph_resolve(struct graph *g, struct diags *d)
{
	if (g->n)
		qsort(g->nodes, g->n, sizeof(*g->nodes), cmpnode);
	drop_duplicates(g, d);
	for (size_t i = 0; i < g->n; i++) {
		free(g->nodes[i].host);
		free(g->nodes[i].run);
		g->nodes[i].disabled = g->nodes[i].r->package.disabled.v;
	}
	for (size_t i = 0; i < g->n; i++) {
		resolve_list(g, i, true, d);
		resolve_list(g, i, false, d);
	}
	struct dfs s = {g, d, xcalloc(g->n ? g->n : 1, 1), xmalloc((g->n ? g->n : 1) * sizeof(size_t)), 0};
	for (size_t i = 0; i < g->n; i++)
		if (s.color[i] == WHITE)
			dfs_visit(&s, i);
	free(s.color);
	free(s.stack);
	propagate_disabled(g, d);
	g->resolved = true;
}

static bool has_tag(const struct recipe *r, const char *tag)
{
	for (size_t i = 0; i < r->package.tag.n; i++)
		if (!strcmp(r->package.tag.v[i].s, tag))
			return true;
	return false;
}

/* mark the recipes a query item names; false if it names nothing known */
static bool match_item(const struct graph *g, const char *item, bool *mark)
{
	if (!strcmp(item, "*")) {
		for (size_t i = 0; i < g->n; i++)
			mark[i] = true;
		return true;
	}
	if (str_startswith(item, "tag:")) {
		bool any = false;
		for (size_t i = 0; i < g->n; i++)
			if (has_tag(g->nodes[i].r, item + 4))
				mark[i] = any = true;
		if (!any)
			log_warn("no recipe has the tag '%s'", item + 4);
		return true;
	}
	long i = graph_find(g, item);
	if (i >= 0) {
		mark[i] = true;
		return true;
	}
	const char **cands = xmalloc((g->n + 1) * sizeof(*cands));
	for (size_t k = 0; k < g->n; k++)
		cands[k] = g->nodes[k].r->package.name.s;
	const char *s = str_suggest(item, cands, g->n);
	if (s)
		log_err("no recipe named '%s'; did you mean '%s'?", item, s);
	else
		log_err("no recipe named '%s'", item);
	free(cands);
	return false;
}

static void mark_deps(const struct graph *g, size_t i, bool *out, bool host_only_first)
{
	const struct graph_node *nd = &g->nodes[i];
	for (int pass = 0; pass < 2; pass++) {
		if (pass && host_only_first)
			break;
		const struct graph_edge *ev = pass ? nd->run : nd->host;
		size_t n = pass ? nd->n_run : nd->n_host;
		for (size_t k = 0; k < n; k++) {
			size_t v = ev[k].to;
			if (out[v])
				continue;
			out[v] = true;
			mark_deps(g, v, out, false);
		}
	}
}

bool graph_select(const struct graph *g, const char *const *query, size_t nq, bool *sel)
{
	bool ok = true;
	size_t n = g->n ? g->n : 1;
	bool *want = xcalloc(n, 1), *excl = xcalloc(n, 1), *off = xcalloc(n, 1);
	for (size_t q = 0; q < nq; q++) {
		char *copy = xstrdup(query[q]), *save = NULL;
		for (char *it = strtok_r(copy, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
			while (*it == ' ' || *it == '\t')
				it++;
			char *end = it + strlen(it);
			while (end > it && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			if (!*it)
				continue;
			if (*it == '!')
				ok &= match_item(g, it + 1, excl);
			else
				ok &= match_item(g, it, want);
		}
		free(copy);
	}
	for (size_t i = 0; i < g->n; i++) {
		if (has_tag(g->nodes[i].r, "always"))
			want[i] = true;
		off[i] = excl[i] || g->nodes[i].disabled;
	}
	/* a recipe is off if excluded/disabled or if it depends on one that is */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < g->n; i++) {
			const struct graph_node *nd = &g->nodes[i];
			for (size_t k = 0; k < nd->n_host + nd->n_run && !off[i]; k++) {
				size_t v = k < nd->n_host ? nd->host[k].to : nd->run[k - nd->n_host].to;
				if (off[v])
					off[i] = changed = true;
			}
		}
	}
	memset(sel, 0, g->n);
	for (size_t i = 0; i < g->n; i++) {
		if (!want[i])
			continue;
		if (off[i]) {
			if (!excl[i])
				log_warn("skipping '%s': %s", g->nodes[i].r->package.name.s,
					g->nodes[i].r->package.disabled.v ? "disabled"
									  : "it depends on a disabled or excluded recipe");
			continue;
		}
		sel[i] = true;
		mark_deps(g, i, sel, false);
	}
	free(want);
	free(excl);
	free(off);
	return ok;
}

static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;
	while (i > 0 && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], last = h[--*n], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= last)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

bool graph_order(const struct graph *g, const bool *sel, size_t *order, size_t *nout)
{
	size_t n = g->n ? g->n : 1, want = 0, nh = 0;
	size_t *pending = xcalloc(n, sizeof(size_t)), *heap = xmalloc(n * sizeof(size_t));
	/* pending[i]: selected host dependencies of i not yet placed */
	for (size_t i = 0; i < g->n; i++) {
		if (!sel[i])
			continue;
		want++;
		for (size_t k = 0; k < g->nodes[i].n_host; k++)
			if (sel[g->nodes[i].host[k].to])
				pending[i]++;
	}
	for (size_t i = 0; i < g->n; i++)
		if (sel[i] && !pending[i])
			heap_push(heap, &nh, i);
	*nout = 0;
	while (nh) {
		size_t u = heap_pop(heap, &nh);
		order[(*nout)++] = u;
		for (size_t i = 0; i < g->n; i++) {
			if (!sel[i])
				continue;
			for (size_t k = 0; k < g->nodes[i].n_host; k++)
				if (g->nodes[i].host[k].to == u && !--pending[i])
					heap_push(heap, &nh, i);
		}
	}
	free(pending);
	free(heap);
	return *nout == want;
}

void graph_dependents(const struct graph *g, size_t i, bool *out)
{
	memset(out, 0, g->n);
	out[i] = true;
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t u = 0; u < g->n; u++) {
			const struct graph_node *nd = &g->nodes[u];
			for (size_t k = 0; k < nd->n_host + nd->n_run && !out[u]; k++) {
				size_t v = k < nd->n_host ? nd->host[k].to : nd->run[k - nd->n_host].to;
				if (out[v])
					out[u] = changed = true;
			}
		}
	}
	out[i] = false;
}

void graph_host_closure(const struct graph *g, size_t i, bool *out)
{
	memset(out, 0, g->n);
	mark_deps(g, i, out, true);
}

char *graph_dot(const struct graph *g, const bool *sel)
{
	struct buf b = {0};
	buf_puts(&b, "digraph recipes {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (size_t i = 0; i < g->n; i++) {
		if (!sel[i])
			continue;
		const struct recipe *r = g->nodes[i].r;
		buf_printf(&b, "\t\"%s\"", r->package.name.s);
		if (r->build.type != RECIPE_PACKAGE)
			buf_printf(&b, " [style=rounded, label=\"%s\\n(%s)\"]", r->package.name.s,
				recipe_type_name(r->build.type));
		buf_puts(&b, ";\n");
	}
	for (size_t i = 0; i < g->n; i++) {
		if (!sel[i])
			continue;
		const struct graph_node *nd = &g->nodes[i];
		for (size_t k = 0; k < nd->n_host; k++)
			if (sel[nd->host[k].to])
				buf_printf(&b, "\t\"%s\" -> \"%s\";\n", nd->r->package.name.s,
					g->nodes[nd->host[k].to].r->package.name.s);
		for (size_t k = 0; k < nd->n_run; k++)
			if (sel[nd->run[k].to])
				buf_printf(&b, "\t\"%s\" -> \"%s\" [style=dashed];\n",
					nd->r->package.name.s, g->nodes[nd->run[k].to].r->package.name.s);
	}
	buf_puts(&b, "}\n");
	return buf_take(&b);
}

bool graph_plan(const struct graph *g, const char *const *query, size_t n, struct graph_plan *p)
{
	static const char *const all[] = {"*"};
	p->sel = xcalloc(g->n ? g->n : 1, sizeof(*p->sel));
	p->order = xcalloc(g->n ? g->n : 1, sizeof(*p->order));
	p->n = 0;
	if (!graph_select(g, n ? query : all, n ? n : 1, p->sel))
		return false;
	if (!graph_order(g, p->sel, p->order, &p->n)) {
		log_err("the host dependencies of the selection have a cycle");
		return false;
	}
	return true;
}

void graph_plan_free(struct graph_plan *p)
{
	free(p->sel);
	free(p->order);
	memset(p, 0, sizeof(*p));
}

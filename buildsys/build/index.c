#include "build/index.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/lib_curl.h"
#include "base/log.h"
#include "recipe/recipe.h"
#include "recipe/req.h"
#include "version.h"

#define MAX_PAGE (64u << 20) /* bytes of a project page */

/* ---- the list of indexes ---- */

static void add_list(struct strv *out, const char *v)
{
	while (v && *v) {
		v += strspn(v, " ,\t\n");
		size_t len = strcspn(v, " ,\t\n");
		if (len)
			strv_push(out, xstrndup(v, len));
		v += len;
	}
}

struct pipconf {
	char *global_index, *install_index;
	char *global_extra, *install_extra;
};

static void set_owned(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = xstrndup(v, n);
}

/* the slot of pip's configuration a section and key go to, or NULL */
static char **pipconf_slot(struct pipconf *c, const char *sec, const char *key, size_t klen)
{
	char k[32];
	if (klen >= sizeof(k))
		return NULL;
	for (size_t i = 0; i < klen; i++)
		k[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
	k[klen] = '\0';
	bool install = strcasecmp(sec, "install") == 0;
	if (!install && strcasecmp(sec, "global") != 0)
		return NULL;
	if (strcmp(k, "index-url") == 0)
		return install ? &c->install_index : &c->global_index;
	if (strcmp(k, "extra-index-url") == 0)
		return install ? &c->install_extra : &c->global_extra;
	return NULL;
}

/* one INI file as Python's configparser reads it: [section], key = value or key: value,
 * indented continuation lines, # and ; comments */
static void pipconf_read(struct pipconf *c, const char *path)
{
	char *text = read_file(path, NULL);
	if (!text)
		return;
	char sec[64] = "";
	char **slot = NULL;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		size_t len = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		size_t ind = 0;
		while (ind < len && (line[ind] == ' ' || line[ind] == '\t'))
			ind++;
		if (ind == len || line[ind] == '#' || line[ind] == ';')
			continue;
		if (ind && slot) {
			char *joined = xasprintf("%s\n%.*s", *slot, (int)(len - ind), line + ind);
			free(*slot);
			*slot = joined;
			continue;
		}
		slot = NULL;
		if (line[0] == '[') {
			size_t e = strcspn(line, "]\n");
			snprintf(sec, sizeof(sec), "%.*s", (int)(e > 1 ? e - 1 : 0), line + 1);
			continue;
		}
		size_t k = strcspn(line, "=:\n");
		if (k >= len)
			continue;
		size_t kend = k;
		while (kend && (line[kend - 1] == ' ' || line[kend - 1] == '\t'))
			kend--;
		size_t v = k + 1;
		while (v < len && (line[v] == ' ' || line[v] == '\t'))
			v++;
		slot = pipconf_slot(c, sec, line, kend);
		if (slot)
			set_owned(slot, line + v, len - v);
	}
	free(text);
}

static void pipconf_files(struct strv *files)
{
	const char *home = getenv("HOME");
	const char *dirs = getenv("XDG_CONFIG_DIRS");
	struct strv xdg = {0};
	add_list(&xdg, dirs && *dirs ? dirs : "/etc/xdg");
	for (size_t i = 0; i < xdg.n; i++) {
		/* XDG_CONFIG_DIRS is separated by ':' */
		for (char *p = xdg.v[i], *q; p; p = q) {
			q = strchr(p, ':');
			if (q)
				*q++ = '\0';
			if (*p)
				strv_push(files, xasprintf("%s/pip/pip.conf", p));
		}
	}
	strv_free(&xdg);
	strv_add(files, "/etc/pip.conf");
	const char *env = getenv("PIP_CONFIG_FILE");
	if (!(env && path_is_file(env)) && home && *home) {
		const char *xh = getenv("XDG_CONFIG_HOME");
		strv_push(files, xasprintf("%s/.pip/pip.conf", home));
		if (xh && *xh)
			strv_push(files, xasprintf("%s/pip/pip.conf", xh));
		else
			strv_push(files, xasprintf("%s/.config/pip/pip.conf", home));
	}
	if (env && *env)
		strv_add(files, env);
}

/* pip's index-url and extra-index-url as `pip install` sees them */
static void pip_indexes(struct strv *out)
{
	struct pipconf c = {0};
	const char *env = getenv("PIP_CONFIG_FILE");
	if (!(env && strcmp(env, "/dev/null") == 0)) {
		struct strv files = {0};
		pipconf_files(&files);
		for (size_t i = 0; i < files.n; i++)
			pipconf_read(&c, files.v[i]);
		strv_free(&files);
	}
	const char *index = getenv("PIP_INDEX_URL");
	if (!index || !*index)
		index = c.install_index && *c.install_index ? c.install_index : c.global_index;
	const char *extra = getenv("PIP_EXTRA_INDEX_URL");
	if (!extra || !*extra)
		extra = c.install_extra && *c.install_extra ? c.install_extra : c.global_extra;
	if (index && *index)
		add_list(out, index);
	else
		strv_add(out, INDEX_PYPI);
	add_list(out, extra);
	free(c.global_index);
	free(c.install_index);
	free(c.global_extra);
	free(c.install_extra);
}

void index_urls(const struct strv *given, struct strv *out)
{
	size_t n0 = out->n;
	for (size_t i = 0; given && i < given->n; i++)
		add_list(out, given->v[i]);
	if (out->n > n0)
		return;
	add_list(out, getenv("KILN_INDEX_URL"));
	if (out->n == n0)
		pip_indexes(out);
}

/* ---- parsing pages ---- */

static void page_add(struct index_page *pg, size_t *cap, struct index_file f)
{
	pg->files = xgrow(pg->files, cap, pg->n + 1, sizeof(*pg->files));
	pg->files[pg->n++] = f;
}

static bool valid_hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

static void set_sha(struct index_file *f, const char *hex)
{
	if (!valid_hex64(hex))
		return;
	for (size_t i = 0; i < 64; i++)
		f->sha256[i] = (char)tolower((unsigned char)hex[i]);
	f->sha256[64] = '\0';
}

/* href resolved against the page: the URL without its fragment into f->url, a
 * sha256=HEX fragment into f->sha256; false when curl cannot make sense of it */
static bool resolve(const char *page_url, const char *href, struct index_file *f)
{
	CURLU *u = curl_url();
	char *frag = NULL, *abs = NULL;
	bool ok = false;
	if (!u || curl_url_set(u, CURLUPART_URL, page_url, 0) != CURLUE_OK ||
		curl_url_set(u, CURLUPART_URL, href, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK && frag &&
		str_startswith(frag, "sha256="))
		set_sha(f, frag + 7);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK)
		goto out;
	f->url = xstrdup(abs);
	if (!f->name || !*f->name) {
		free(f->name);
		char *path = NULL;
		curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
		f->name = xstrdup(path ? path_basename(path) : "");
		curl_free(path);
	}
	ok = true;
out:
	curl_free(frag);
	curl_free(abs);
	curl_url_cleanup(u);
	return ok;
}

static bool parse_json(const char *body, size_t len, const char *page_url, struct index_page *pg,
	char **why)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
	cJSON *api = cJSON_GetObjectItemCaseSensitive(meta, "api-version");
	size_t cap = 0;
	bool ok = false;
	if (!cJSON_IsArray(files)) {
		*why = xstrdup("not a PEP 691 project page (no \"files\" list)");
		goto out;
	}
	if (cJSON_IsString(api) && !str_startswith(api->valuestring, "1.")) {
		*why = xasprintf("PEP 691 api-version %s is not 1.x", api->valuestring);
		goto out;
	}
	cJSON *it;
	cJSON_ArrayForEach(it, files) {
		cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "filename");
		cJSON *url = cJSON_GetObjectItemCaseSensitive(it, "url");
		cJSON *hashes = cJSON_GetObjectItemCaseSensitive(it, "hashes");
		cJSON *sha = cJSON_GetObjectItemCaseSensitive(hashes, "sha256");
		cJSON *yanked = cJSON_GetObjectItemCaseSensitive(it, "yanked");
		if (!cJSON_IsString(name) || !cJSON_IsString(url))
			continue;
		struct index_file f = {.name = xstrdup(name->valuestring)};
		f.yanked = cJSON_IsTrue(yanked) || cJSON_IsString(yanked);
		if (!resolve(page_url, url->valuestring, &f)) {
			free(f.name);
			continue;
		}
		if (cJSON_IsString(sha))
			set_sha(&f, sha->valuestring);
		page_add(pg, &cap, f);
	}
	ok = true;
out:
	cJSON_Delete(root);
	return ok;
}

/* HTML character references in s[0..n) */
static char *html_unescape(const char *s, size_t n)
{
	static const struct { const char *name; char c; } ents[] = {
		{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''},
	};
	struct buf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '&') {
			buf_putc(&b, s[i]);
			continue;
		}
		bool done = false;
		for (size_t k = 0; k < ARRAY_LEN(ents) && !done; k++) {
			size_t l = strlen(ents[k].name);
			if (i + 1 + l <= n && strncmp(s + i + 1, ents[k].name, l) == 0) {
				buf_putc(&b, ents[k].c);
				i += l;
				done = true;
			}
		}
		if (!done && i + 2 < n && s[i + 1] == '#') {
			char *end;
			bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
			unsigned long c = strtoul(s + i + 2 + hex, &end, hex ? 16 : 10);
			if (end < s + n && *end == ';' && c > 0 && c < 0x80) {
				buf_putc(&b, (char)c);
				i = (size_t)(end - s);
				done = true;
			}
		}
		if (!done)
			buf_putc(&b, '&');
	}
	if (!b.s)
		buf_puts(&b, "");
	return buf_take(&b);
}

/* the value of attribute name in the tag text t[0..n), NULL when absent; *present says
 * whether the attribute is there at all (with or without a value) */
static char *html_attr(const char *t, size_t n, const char *name, bool *present)
{
	size_t nl = strlen(name);
	*present = false;
	for (size_t i = 0; i + nl <= n; i++) {
		if (strncasecmp(t + i, name, nl) != 0 || (i && !isspace((unsigned char)t[i - 1])))
			continue;
		size_t j = i + nl;
		if (j < n && !isspace((unsigned char)t[j]) && t[j] != '=' && t[j] != '>')
			continue;
		*present = true;
		while (j < n && isspace((unsigned char)t[j]))
			j++;
		if (j >= n || t[j] != '=')
			return NULL;
		j++;
		while (j < n && isspace((unsigned char)t[j]))
			j++;
		char q = j < n && (t[j] == '"' || t[j] == '\'') ? t[j++] : 0;
		size_t e = j;
		while (e < n && (q ? t[e] != q : !isspace((unsigned char)t[e]) && t[e] != '>'))
			e++;
		return html_unescape(t + j, e - j);
	}
	return NULL;
}

static void parse_html(const char *body, size_t len, const char *page_url, struct index_page *pg)
{
	size_t cap = 0;
	const char *end = body + len;
	for (const char *p = body; p < end; p++) {
		if (*p != '<' || p + 2 >= end || (p[1] != 'a' && p[1] != 'A') ||
			!isspace((unsigned char)p[2]))
			continue;
		const char *gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			break;
		const char *close = gt + 1;
		while (close + 4 <= end && strncasecmp(close, "</a>", 4) != 0)
			close++;
		if (close + 4 > end)
			break;
		bool has_href, yanked;
		char *href = html_attr(p + 2, (size_t)(gt - p - 2), "href", &has_href);
		char *yv = html_attr(p + 2, (size_t)(gt - p - 2), "data-yanked", &yanked);
		free(yv);
		char *text = html_unescape(gt + 1, (size_t)(close - gt - 1));
		size_t a = strspn(text, " \t\r\n"), b = strlen(text);
		while (b > a && isspace((unsigned char)text[b - 1]))
			b--;
		struct index_file f = {.name = xstrndup(text + a, b - a), .yanked = yanked};
		free(text);
		if (href && *href && resolve(page_url, href, &f))
			page_add(pg, &cap, f);
		else
			free(f.name);
		free(href);
		p = close + 3;
	}
}

bool index_parse_page(const char *body, size_t len, bool json, const char *page_url,
	struct index_page *out, char **why)
{
	*out = (struct index_page){.url = xstrdup(page_url)};
	*why = NULL;
	if (!lib_curl_load()) {
		*why = xstrdup("libcurl cannot be loaded");
		return false;
	}
	if (json)
		return parse_json(body, len, page_url, out, why);
	parse_html(body, len, page_url, out);
	return true;
}

void index_page_free(struct index_page *pg)
{
	for (size_t i = 0; i < pg->n; i++) {
		free(pg->files[i].name);
		free(pg->files[i].url);
	}
	free(pg->files);
	free(pg->url);
	*pg = (struct index_page){0};
}

/* ---- fetching pages ---- */

struct body {
	struct buf b;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct body *bd = ctx;
	if (bd->b.len + size * nmemb > MAX_PAGE) {
		bd->too_big = true;
		return 0;
	}
	buf_add(&bd->b, data, size * nmemb);
	return size * nmemb;
}

static bool transient(CURLcode rc, long http)
{
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return http >= 500 || http == 408 || http == 429;
	return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
		rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_PARTIAL_FILE ||
		rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
		rc == CURLE_SSL_CONNECT_ERROR;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* one GET of the page; 0 done, 1 transient failure, -1 failure; *why set on failure */
static int get_once(const char *url, const struct index_net *net, struct body *bd,
	struct index_page *pg, char **why)
{
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL,
		"Accept: application/vnd.pypi.simple.v1+json, text/html;q=0.1");
	CURL *e = curl_easy_init();
	if (!e || !hdr) {
		curl_slist_free_all(hdr);
		*why = xstrdup("cannot create a curl handle");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, bd);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, net->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kiln/" KILN_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	CURLcode rc = curl_easy_perform(e);
	long http = 0;
	char *ctype = NULL, *eff = NULL;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
	int r = -1;
	if (rc == CURLE_OK) {
		const char *b = bd->b.s ? bd->b.s : "";
		bool json = ctype ? strstr(ctype, "json") != NULL : b[strspn(b, " \t\r\n")] == '{';
		r = index_parse_page(b, bd->b.len, json, eff ? eff : url, pg, why) ? 0 : -1;
	} else if (bd->too_big) {
		*why = xasprintf("larger than %u bytes", MAX_PAGE);
	} else if (rc == CURLE_HTTP_RETURNED_ERROR && http == 404) {
		*why = xstrdup("HTTP 404: no such project on this index");
	} else {
		r = transient(rc, http) ? 1 : -1;
		*why = rc == CURLE_HTTP_RETURNED_ERROR ? xasprintf("HTTP %ld", http)
			: xstrdup(err[0] ? err : curl_easy_strerror(rc));
	}
	curl_easy_cleanup(e);
	curl_slist_free_all(hdr);
	return r;
}

static bool get_page(const char *url, const struct index_net *net, struct index_page *pg,
	char **why)
{
	unsigned tries = net->tries ? net->tries : 3;
	unsigned delay = net->backoff_ms ? net->backoff_ms : 1000;
	for (unsigned a = 1;; a++) {
		struct body bd = {0};
		*why = NULL;
		int r = get_once(url, net, &bd, pg, why);
		buf_free(&bd.b);
		if (r == 0)
			return true;
		if (r < 0 || a >= tries)
			return false;
		log_info("%s: %s; retrying in %.1fs (attempt %u of %u)", url, *why, delay / 1000.0,
			a + 1, tries);
		free(*why);
		index_page_free(pg);
		sleep_ms(delay);
		delay *= 2;
	}
}

/* ---- the page cache ---- */

struct cached {
	char *url;
	struct index_page page;
	char *why; /* the failure, or NULL */
};

static struct cached *cache;
static size_t n_cache, cap_cache;

void index_cache_clear(void)
{
	for (size_t i = 0; i < n_cache; i++) {
		free(cache[i].url);
		index_page_free(&cache[i].page);
		free(cache[i].why);
	}
	free(cache);
	cache = NULL;
	n_cache = cap_cache = 0;
}

const struct index_page *index_project(const char *index, const char *project,
	const struct index_net *net, const char **why)
{
	char *norm = recipe_normalize(project);
	size_t n = strlen(index);
	while (n && index[n - 1] == '/')
		n--;
	char *url = xasprintf("%.*s/%s/", (int)n, index, norm);
	free(norm);
	for (size_t i = 0; i < n_cache; i++) {
		if (strcmp(cache[i].url, url) == 0) {
			free(url);
			*why = cache[i].why;
			return cache[i].why ? NULL : &cache[i].page;
		}
	}
	static const struct index_net defaults = {0};
	struct cached c = {.url = url};
	if (!lib_curl_load())
		c.why = xstrdup("libcurl cannot be loaded");
	else if (!get_page(url, net ? net : &defaults, &c.page, &c.why))
		index_page_free(&c.page);
	else
		log_debug("%s: %zu files", url, c.page.n);
	cache = xgrow(cache, &cap_cache, n_cache + 1, sizeof(*cache));
	cache[n_cache] = c;
	*why = cache[n_cache].why;
	return cache[n_cache++].why ? NULL : &cache[n_cache - 1].page;
}

/* ---- files on a page ---- */

const struct index_file *index_page_file(const struct index_page *pg, const char *name)
{
	for (size_t i = 0; pg && i < pg->n; i++)
		if (strcmp(pg->files[i].name, name) == 0)
			return &pg->files[i];
	return NULL;
}

static size_t sdist_ext(const char *name)
{
	static const char *const exts[] = {".tar.gz", ".zip"};
	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_endswith(name, exts[i]) && strlen(name) > strlen(exts[i]))
			return strlen(exts[i]);
	return 0;
}

char *index_project_of_file(const char *file_name)
{
	size_t len = strlen(file_name), cut;
	if (str_endswith(file_name, ".whl")) {
		cut = strcspn(file_name, "-");
	} else {
		static const char *const exts[] = {".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"};
		size_t ext = 0;
		for (size_t i = 0; i < ARRAY_LEN(exts) && !ext; i++)
			if (str_endswith(file_name, exts[i]))
				ext = strlen(exts[i]);
		if (!ext)
			return NULL;
		cut = len - ext;
		while (cut && file_name[cut - 1] != '-')
			cut--;
		if (!cut)
			return NULL;
		cut--;
	}
	if (!cut || cut >= len)
		return NULL;
	char *name = xstrndup(file_name, cut);
	char *norm = recipe_normalize(name);
	free(name);
	return norm;
}

/* the version of an sdist of project, into v (NUL-terminated); false when name is not one */
static bool sdist_version(const char *name, const char *project, char *v, size_t vsize)
{
	size_t ext = sdist_ext(name);
	char *proj = ext ? index_project_of_file(name) : NULL;
	char *want = recipe_normalize(project);
	bool ok = proj && strcmp(proj, want) == 0;
	if (ok) {
		const char *dash = name + strlen(name) - ext;
		while (dash > name && dash[-1] != '-')
			dash--;
		size_t n = (size_t)(name + strlen(name) - ext - dash);
		ok = n > 0 && n < vsize;
		if (ok)
			snprintf(v, vsize, "%.*s", (int)n, dash);
	}
	free(proj);
	free(want);
	return ok;
}

/* a pre-release or development version (PEP 440: a, b, rc, c, alpha, beta, pre, dev) */
static bool prerelease(const char *v)
{
	for (const char *p = v; *p;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (!n) {
			p++;
			continue;
		}
		if (!(n == 4 && strncasecmp(p, "post", 4) == 0) && !(n == 3 && strncasecmp(p, "rev", 3) == 0) &&
			!(n == 1 && (*p == 'r' || *p == 'R')))
			return true;
		p += n;
	}
	return false;
}

const struct index_file *index_page_sdist(const struct index_page *pg, const char *project,
	const char *version)
{
	const struct index_file *best = NULL;
	char bestv[128] = "";
	bool best_pre = true;
	for (size_t i = 0; pg && i < pg->n; i++) {
		const struct index_file *f = &pg->files[i];
		char v[128];
		if (!sdist_version(f->name, project, v, sizeof(v)))
			continue;
		if (version) {
			/* the exact version; a .tar.gz before a .zip */
			if (req_version_cmp(v, version) == 0 &&
				(!best || str_endswith(f->name, ".tar.gz")))
				best = f;
			continue;
		}
		bool pre = prerelease(v);
		if (f->yanked || (pre && !best_pre))
			continue;
		int c = best ? req_version_cmp(v, bestv) : 1;
		if (!best || (best_pre && !pre) || c > 0 ||
			(c == 0 && str_endswith(f->name, ".tar.gz"))) {
			best = f;
			best_pre = pre;
			snprintf(bestv, sizeof(bestv), "%s", v);
		}
	}
	return best;
}

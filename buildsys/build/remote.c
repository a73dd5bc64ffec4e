#include "build/remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/lib_curl.h"
#include "base/log.h"
#include "base/util.h"
#include "build/unpack.h"
#include "version.h"

#define MANIFEST_MAGIC "kiln-remote-cache 1"
#define MANIFEST_MAX 4096

/* ---------- HTTP ---------- */

enum http_rc {
	HTTP_OK,
	HTTP_MISSING, /* 404 / 410 */
	HTTP_FAILED,  /* transport error or another status: why is set */
};

struct xfer {
	const char *method; /* GET, HEAD, PUT, DELETE */
	FILE *out;          /* GET into a file, or */
	struct buf *mem;    /* into memory, at most mem_max bytes */
	size_t mem_max;
	FILE *in;           /* PUT from a file */
	long long in_size;
	bool overflow;      /* the body was longer than mem_max */
	char why[CURL_ERROR_SIZE + 64];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;
	if (x->mem) {
		if (x->mem->len + n > x->mem_max) {
			x->overflow = true;
			return 0;
		}
		buf_add(x->mem, data, n);
		return n;
	}
	return x->out ? fwrite(data, 1, n, x->out) : n;
}

static void set_common(struct remote *r, const char *url, char *errbuf)
{
	CURL *e = r->easy;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, r->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, r->min_rate);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r->stall_timeout);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kiln/" KILN_VERSION);
	curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	const char *netrc = getenv("NETRC");
	if (netrc && *netrc)
		curl_easy_setopt(e, CURLOPT_NETRC_FILE, netrc);
	const char *auth = getenv("KILN_REMOTE_CACHE_AUTH");
	if (auth && *auth) {
		curl_easy_setopt(e, CURLOPT_USERPWD, auth);
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_ANY);
	}
}

/* one request of <url>/<path> */
static enum http_rc http(struct remote *r, const char *path, struct xfer *x)
{
	char *url = xasprintf("%s/%s", r->url, path);
	char errbuf[CURL_ERROR_SIZE] = "";
	set_common(r, url, errbuf);
	CURL *e = r->easy;
	if (strcmp(x->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(x->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READDATA, x->in);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->in_size);
	} else if (strcmp(x->method, "DELETE") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	CURLcode rc = curl_easy_perform(e);
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	free(url);
	if (rc != CURLE_OK) {
		snprintf(x->why, sizeof(x->why), "%s %s: %s", x->method, path,
			errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return HTTP_FAILED;
	}
	if (status >= 200 && status < 300)
		return HTTP_OK;
	if (status == 404 || status == 410)
		return HTTP_MISSING;
	snprintf(x->why, sizeof(x->why), "%s %s: HTTP status %ld", x->method, path, status);
	return HTTP_FAILED;
}

/* the first failure is the one warning of the run; the store is not asked again */
static enum remote_result store_failed(struct remote *r, const char *why)
{
	if (!r->down)
		log_warn("remote cache %s: %s; going on without it", r->shown, why);
	r->down = true;
	return REMOTE_DOWN;
}

/* a damaged object is removed where the store allows it (a refusal is no failure) */
static void delete_object(struct remote *r, const char *path)
{
	struct xfer x = {.method = "DELETE"};
	if (r->write && !r->down && http(r, path, &x) == HTTP_FAILED)
		log_debug("remote cache %s: %s", r->shown, x.why);
}

/* ---------- opening ---------- */

/* a positive number from the environment, else dflt */
static long env_seconds(const char *name, long dflt)
{
	const char *v = getenv(name);
	long n = v && *v ? strtol(v, NULL, 10) : 0;
	return n > 0 ? n : dflt;
}

static char *url_without_credentials(const char *url)
{
	CURLU *u = curl_url();
	char *out = NULL, *got = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK) {
		size_t n = strlen(got);
		while (n && got[n - 1] == '/')
			n--;
		out = xstrndup(got, n);
		curl_free(got);
	}
	if (u)
		curl_url_cleanup(u);
	return out;
}

char *remote_shown_url(const char *url)
{
	return lib_curl_load() ? url_without_credentials(url) : NULL;
}

bool remote_url_has_credentials(const char *url)
{
	const char *s = strstr(url, "://");
	if (!s)
		return false;
	s += 3;
	size_t host = strcspn(s, "/?#");
	const char *at = memchr(s, '@', host);
	return at != NULL;
}

bool remote_open(struct remote *r, const char *url, bool write, const char *cache_dir)
{
	*r = (struct remote){.write = write};
	if (!str_startswith(url, "http://") && !str_startswith(url, "https://")) {
		log_err("remote cache %s: not an http:// or https:// URL", url);
		return false;
	}
	if (!lib_curl_load())
		return false;
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	r->url = xstrndup(url, n);
	r->shown = url_without_credentials(r->url);
	if (!r->shown) {
		log_err("remote cache: not a URL: %s", url);
		return false;
	}
	r->tmp = path_join(cache_dir, "tmp-remote");
	r->connect_timeout = env_seconds("KILN_REMOTE_CACHE_CONNECT_TIMEOUT", 5);
	r->stall_timeout = env_seconds("KILN_REMOTE_CACHE_TIMEOUT", 30);
	r->min_rate = env_seconds("KILN_REMOTE_CACHE_MIN_RATE", 1024);
	if (!mkdir_p(r->tmp, 0755)) {
		log_err("cannot create %s: %s", r->tmp, strerror(errno));
		return false;
	}
	r->easy = curl_easy_init();
	if (!r->easy) {
		log_err("remote cache: cannot start libcurl");
		return false;
	}
	return true;
}

void remote_close(struct remote *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	free(r->url);
	free(r->shown);
	free(r->tmp);
	*r = (struct remote){0};
}

/* ---------- temporary files ---------- */

static FILE *tmp_file(const struct remote *r, char **path)
{
	*path = xasprintf("%s/obj-XXXXXX", r->tmp);
	int fd = mkstemp(*path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
	if (!f) {
		log_err("cannot create %s: %s", *path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(*path);
		*path = NULL;
	}
	return f;
}

static void tmp_drop(FILE *f, char *path)
{
	if (f)
		fclose(f);
	if (path)
		unlink(path);
	free(path);
}

/* GET cas/<sha256> into a temporary file and check its digest; *path is the file on a hit */
static enum remote_result get_object(struct remote *r, const char *sha, const char *what,
	char **path)
{
	char *tmp;
	FILE *f = tmp_file(r, &tmp);
	*path = NULL;
	if (!f)
		return REMOTE_MISS;
	char *obj = xasprintf("cas/%s", sha);
	struct xfer x = {.method = "GET", .out = f};
	enum http_rc rc = http(r, obj, &x);
	enum remote_result res = REMOTE_MISS;
	char got[65] = "";
	if (rc == HTTP_FAILED) {
		res = store_failed(r, x.why);
	} else if (rc == HTTP_OK && (fflush(f) != 0 || !hash_sha256_file(tmp, got))) {
		log_err("cannot read %s: %s", tmp, strerror(errno));
	} else if (rc == HTTP_OK && strcmp(got, sha) != 0) {
		log_warn("remote cache %s: %s of %s has sha256 %s: a damaged object, ignored%s",
			r->shown, obj, what, got, r->write ? " and deleted" : "");
		delete_object(r, obj);
		res = REMOTE_BAD;
	} else if (rc == HTTP_OK) {
		res = REMOTE_HIT;
	}
	fclose(f);
	if (res == REMOTE_HIT)
		*path = tmp;
	else
		tmp_drop(NULL, tmp);
	free(obj);
	return res;
}

/* PUT a file as cas/<sha256> */
static enum remote_result put_file(struct remote *r, const char *obj, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		log_err("cannot read %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return REMOTE_MISS;
	}
	struct xfer x = {.method = "PUT", .in = f, .in_size = st.st_size};
	enum http_rc rc = http(r, obj, &x);
	fclose(f);
	return rc == HTTP_OK ? REMOTE_HIT : store_failed(r, x.why);
}

/* ---------- cache entries ---------- */

struct pack {
	struct archive *a;
	const char *root;
	bool ok;
};

static bool pack_data(struct pack *p, const char *path)
{
	FILE *f = fopen(path, "rb");
	char block[65536];
	size_t n;
	bool ok = f != NULL;
	while (ok && (n = fread(block, 1, sizeof(block), f)) > 0)
		ok = archive_write_data(p->a, block, n) == (la_ssize_t)n;
	ok = ok && !ferror(f);
	if (!ok)
		log_err("cannot pack %s: %s", path, f ? arc_write_error(p->a) : strerror(errno));
	if (f)
		fclose(f);
	return ok;
}

static bool pack_one(const char *rel, const struct stat *st, void *ctx)
{
	struct pack *p = ctx;
	if (strcmp(rel, "KEY") == 0)
		return true;
	char *path = path_join(p->root, rel);
	struct archive_entry *e = archive_entry_new();
	char target[4096];
	bool ok = true;
	archive_entry_set_pathname(e, rel);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (S_ISDIR(st->st_mode)) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, target);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, st->st_mode & 0111 ? 0755 : 0644);
		archive_entry_set_size(e, st->st_size);
	}
	if (archive_write_header(p->a, e) != ARCHIVE_OK) {
		log_err("cannot pack %s: %s", path, arc_write_error(p->a));
		ok = false;
	} else if (S_ISREG(st->st_mode)) {
		ok = pack_data(p, path);
	}
	archive_entry_free(e);
	free(path);
	p->ok = p->ok && ok;
	return ok;
}

/* the entry directory as a tar archive at path */
static bool pack_entry(const char *entry, const char *path)
{
	struct pack p = {.a = archive_write_new(), .root = entry, .ok = true};
	bool ok = p.a && archive_write_set_format_pax_restricted(p.a) == ARCHIVE_OK &&
		archive_write_open_filename(p.a, path) == ARCHIVE_OK;
	if (!ok)
		log_err("cannot write %s: %s", path, p.a ? arc_write_error(p.a) : "no memory");
	ok = ok && walk_tree(entry, pack_one, &p) && p.ok;
	if (p.a && archive_write_close(p.a) != ARCHIVE_OK && ok) {
		log_err("cannot write %s: %s", path, arc_write_error(p.a));
		ok = false;
	}
	if (p.a)
		archive_write_free(p.a);
	return ok;
}

struct manifest {
	char name[256];
	char sha256[65];
	long long size;
};

static bool manifest_parse(const char *text, struct manifest *m)
{
	*m = (struct manifest){.size = -1};
	if (!str_startswith(text, MANIFEST_MAGIC "\n"))
		return false;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (sscanf(l, "name %255[^\n]", m->name) == 1 || sscanf(l, "size %lld", &m->size) == 1)
			continue;
		if (sscanf(l, "sha256 %64[0-9a-f]", m->sha256) == 1 && strlen(m->sha256) != 64)
			m->sha256[0] = '\0';
	}
	return m->name[0] && m->sha256[0] && m->size >= 0;
}

/* the archive at path into the local cache as name/key */
static bool unpack_entry(const char *cache_dir, const char *name, const struct cache_key *k,
	const char *path)
{
	int lock = -1;
	char *stage = cache_stage(cache_dir, name, &lock);
	if (!stage)
		return false;
	char *dir = path_join(stage, "entry");
	bool ok = unpack_archive(path, dir, NULL);
	char *entry = ok ? cache_publish(cache_dir, name, k, dir) : NULL;
	ok = entry != NULL;
	if (ok)
		rmdir(stage);
	else
		remove_tree(stage);
	close(lock);
	free(entry);
	free(dir);
	free(stage);
	return ok;
}

/* GET ac/<key>: the manifest; REMOTE_HIT with m filled */
static enum remote_result get_manifest(struct remote *r, const char *name, const char *key,
	struct manifest *m)
{
	char *obj = xasprintf("ac/%s", key);
	struct buf body = {0};
	struct xfer x = {.method = "GET", .mem = &body, .mem_max = MANIFEST_MAX};
	enum http_rc rc = http(r, obj, &x);
	enum remote_result res = REMOTE_MISS;
	if (rc == HTTP_FAILED && x.overflow) {
		log_warn("remote cache %s: %s of %s is no manifest, ignored", r->shown, obj, name);
		res = REMOTE_BAD;
	} else if (rc == HTTP_FAILED) {
		res = store_failed(r, x.why);
	} else if (rc == HTTP_OK && (!manifest_parse(body.s ? body.s : "", m) ||
					    strcmp(m->name, name) != 0)) {
		log_warn("remote cache %s: %s of %s is no manifest of it, ignored%s", r->shown,
			obj, name, r->write ? " and deleted" : "");
		delete_object(r, obj);
		res = REMOTE_BAD;
	} else if (rc == HTTP_OK) {
		res = REMOTE_HIT;
	}
	buf_free(&body);
	free(obj);
	return res;
}

enum remote_result remote_get_entry(struct remote *r, const char *cache_dir, const char *name,
	const struct cache_key *k)
{
	if (r->down)
		return REMOTE_DOWN;
	struct manifest m;
	enum remote_result res = get_manifest(r, name, k->hex, &m);
	if (res != REMOTE_HIT)
		return res;
	char *path = NULL;
	res = get_object(r, m.sha256, name, &path);
	if (res == REMOTE_BAD) {
		char *ac = xasprintf("ac/%s", k->hex);
		delete_object(r, ac);
		free(ac);
	}
	if (res == REMOTE_HIT && !unpack_entry(cache_dir, name, k, path)) {
		log_warn("%s: the entry from remote cache %s cannot be unpacked; building it",
			name, r->shown);
		res = REMOTE_BAD;
	}
	tmp_drop(NULL, path);
	return res;
}

char *remote_lookup(struct remote *r, const char *cache_dir, const char *name,
	const struct cache_key *k, bool *remote_hit)
{
	char *entry = cache_lookup(cache_dir, name, k);
	*remote_hit = false;
	if (!entry && r && remote_get_entry(r, cache_dir, name, k) == REMOTE_HIT) {
		entry = cache_lookup(cache_dir, name, k);
		*remote_hit = entry != NULL;
	}
	return entry;
}

/* does the store have <path> (HEAD) */
static enum remote_result has_object(struct remote *r, const char *path)
{
	struct xfer x = {.method = "HEAD"};
	enum http_rc rc = http(r, path, &x);
	if (rc == HTTP_FAILED)
		return store_failed(r, x.why);
	return rc == HTTP_OK ? REMOTE_HIT : REMOTE_MISS;
}

/* PUT a text as <path> */
static enum remote_result put_text(struct remote *r, const char *path, const char *text)
{
	char *tmp;
	FILE *f = tmp_file(r, &tmp);
	if (!f)
		return REMOTE_MISS;
	bool ok = fputs(text, f) >= 0 && fflush(f) == 0;
	fclose(f);
	enum remote_result res = ok ? put_file(r, path, tmp) : REMOTE_MISS;
	if (!ok)
		log_err("cannot write %s: %s", tmp, strerror(errno));
	tmp_drop(NULL, tmp);
	return res;
}

enum remote_result remote_put_entry(struct remote *r, const char *name, const char *key,
	const char *entry)
{
	if (r->down)
		return REMOTE_DOWN;
	char *ac = xasprintf("ac/%s", key);
	char *tmp = NULL, *cas = NULL, *text = NULL;
	enum remote_result res = r->write ? has_object(r, ac) : REMOTE_HIT;
	if (res != REMOTE_MISS) {
		res = res == REMOTE_HIT ? REMOTE_MISS : res;
		goto out;
	}
	FILE *f = tmp_file(r, &tmp);
	if (!f)
		goto out;
	fclose(f);
	char sha[65];
	struct stat st;
	if (!pack_entry(entry, tmp) || !hash_sha256_file(tmp, sha) || stat(tmp, &st) != 0)
		goto out;
	cas = xasprintf("cas/%s", sha);
	text = xasprintf(MANIFEST_MAGIC "\nname %s\nsha256 %s\nsize %lld\n", name, sha,
		(long long)st.st_size);
	/* the object before the manifest that names it */
	res = put_file(r, cas, tmp);
	if (res == REMOTE_HIT)
		res = put_text(r, ac, text);
out:
	tmp_drop(NULL, tmp);
	free(ac);
	free(cas);
	free(text);
	return res;
}

/* ---------- sources ---------- */

enum remote_result remote_get_source(struct remote *r, const char *cache_dir,
	const char *sha256, const char *file_name)
{
	if (r->down)
		return REMOTE_DOWN;
	char *path = NULL;
	enum remote_result res = get_object(r, sha256, file_name, &path);
	if (res != REMOTE_HIT)
		return res;
	char *dir = xasprintf("%s/sources/%s", cache_dir, sha256);
	char *dest = path_join(dir, file_name);
	if (!mkdir_p(dir, 0755) || rename(path, dest) != 0) {
		log_err("cannot write %s: %s", dest, strerror(errno));
		res = REMOTE_MISS;
	}
	tmp_drop(NULL, path);
	free(dir);
	free(dest);
	return res;
}

enum remote_result remote_put_source(struct remote *r, const char *sha256, const char *path)
{
	if (r->down || !r->write)
		return r->down ? REMOTE_DOWN : REMOTE_MISS;
	char *cas = xasprintf("cas/%s", sha256);
	enum remote_result res = has_object(r, cas);
	if (res == REMOTE_MISS)
		res = put_file(r, cas, path);
	else if (res == REMOTE_HIT)
		res = REMOTE_MISS;
	free(cas);
	return res;
}

/* ---------- the record of build durations ---------- */

#define DURATIONS_MAGIC "kiln-durations 1"
#define DURATIONS_MAX (1 << 20)

/* ac/<sha256 of the magic and the cross environment's id> */
static char *durations_object(const char *env_id)
{
	char *text = xasprintf(DURATIONS_MAGIC "\n%s\n", env_id);
	char hex[65];
	hash_sha256_hex(text, strlen(text), hex);
	free(text);
	return xasprintf("ac/%s", hex);
}

/* "NAME SECONDS" lines, names without spaces, seconds > 0 */
static bool durations_parse(const char *text, struct strv *records)
{
	if (!str_startswith(text, DURATIONS_MAGIC "\n"))
		return false;
	struct strv got = {0};
	bool ok = true;
	for (const char *l = strchr(text, '\n') + 1; ok && *l;) {
		size_t n = strcspn(l, "\n");
		char name[256];
		double secs = 0;
		int used = 0;
		ok = n < 512 && sscanf(l, "%255[^ \n] %lf%n", name, &secs, &used) == 2 &&
			(size_t)used == n && secs > 0;
		if (ok)
			strv_push(&got, xstrndup(l, n));
		l += n + (l[n] == '\n');
	}
	if (ok) {
		strv_free(records);
		*records = got;
	} else {
		strv_free(&got);
	}
	return ok;
}

enum remote_result remote_get_durations(struct remote *r, const char *env_id,
	struct strv *records)
{
	if (r->down)
		return REMOTE_DOWN;
	char *obj = durations_object(env_id);
	struct buf body = {0};
	struct xfer x = {.method = "GET", .mem = &body, .mem_max = DURATIONS_MAX};
	enum http_rc rc = http(r, obj, &x);
	enum remote_result res = REMOTE_MISS;
	if (rc == HTTP_FAILED && !x.overflow) {
		res = store_failed(r, x.why);
	} else if (rc == HTTP_FAILED || (rc == HTTP_OK && !durations_parse(body.s ? body.s : "",
							       records))) {
		log_warn("remote cache %s: %s is no record of durations, ignored", r->shown, obj);
		res = REMOTE_BAD;
	} else if (rc == HTTP_OK) {
		res = REMOTE_HIT;
	}
	buf_free(&body);
	free(obj);
	return res;
}

enum remote_result remote_put_durations(struct remote *r, const char *env_id,
	const struct strv *records)
{
	if (r->down || !r->write)
		return r->down ? REMOTE_DOWN : REMOTE_MISS;
	struct buf text = {0};
	buf_puts(&text, DURATIONS_MAGIC "\n");
	for (size_t i = 0; i < records->n; i++)
		buf_printf(&text, "%s\n", records->v[i]);
	char *obj = durations_object(env_id);
	enum remote_result res = put_text(r, obj, text.s);
	free(obj);
	buf_free(&text);
	return res;
}

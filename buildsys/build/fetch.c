#include "build/fetch.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/hash.h"
#include "base/lib_curl.h"
#include "base/log.h"
#include "build/index.h"
#include "recipe/recipe.h"
#include "version.h"

enum job_state {
	JOB_WAIT,   /* ready to start its next attempt at ready_at */
	JOB_ACTIVE, /* a transfer is running */
	JOB_DONE,
	JOB_FAILED,
	JOB_DUP,    /* same sha256 as an earlier item: shares its job */
};

struct job {
	struct fetch_item *item;
	struct job *primary; /* for JOB_DUP */
	const char *name;
	char sha[65];
	char *dir, *final, *tmp;
	int lockfd, fd;
	struct strv sources;
	const char **index; /* index[i]: sources[i] is this index's project page, not yet
			     * resolved to the file's URL; NULL: a file */
	char *project;  /* the project on indexes */
	size_t src;
	unsigned attempt;
	bool waited;
	double ready_at;
	CURL *easy;
	struct hash_sha256 md;
	uint64_t bytes;
	double last_data; /* when the transfer last received data */
	long stall_timeout;
	bool stalled;
	int write_errno;
	struct buf errors;
	enum job_state state;
	char curlerr[CURL_ERROR_SIZE];
};

struct fetch {
	unsigned jobs, tries, backoff_ms;
	struct index_net net;
	long connect_timeout, stall_timeout, max_redirects;
	CURLM *multi;
	size_t active, finished, total;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_url(const char *s)
{
	return strstr(s, "://") != NULL;
}

static bool valid_sha(const char *s, char out[65])
{
	size_t i;
	for (i = 0; i < 64; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[64] = '\0';
	return s[64] == '\0';
}

/* last path component of a URL, without query or fragment, percent-decoded */
static char *url_file_name(const char *url)
{
	const char *start = strstr(url, "://");
	start = start ? start + 3 : url;
	size_t end = strcspn(start, "?#");
	const char *slash = NULL;
	for (const char *p = start; p < start + end; p++)
		if (*p == '/')
			slash = p;
	if (!slash)
		return xstrdup("");
	char *raw = xstrndup(slash + 1, (size_t)(start + end - slash - 1));
	int len = 0;
	char *dec = curl_easy_unescape(NULL, raw, 0, &len);
	char *name = dec && strlen(dec) == (size_t)len ? xstrdup(dec) : xstrdup("");
	curl_free(dec);
	free(raw);
	return name;
}

static bool valid_file_name(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && !strchr(s, '/');
}

char *fetch_cache_path(const char *cache_dir, const struct fetch_item *it)
{
	char sha[65];
	if (!lib_curl_load() || !it->sha256 || !valid_sha(it->sha256, sha))
		return NULL;
	char *name = it->file_name ? xstrdup(it->file_name) : url_file_name(it->url ? it->url : "");
	char *path = valid_file_name(name) ? xasprintf("%s/sources/%s/%s", cache_dir, sha, name) : NULL;
	free(name);
	return path;
}

static void job_fail_source(struct job *j, bool quiet, const char *fmt, ...) KILN_PRINTF(3, 4);

/* record why the current source failed for the final summary; logged now as a warning,
 * or only as a debug message when quiet (a mirror without the file is no news) */
static void job_fail_source(struct job *j, bool quiet, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b.s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	log_msg(quiet ? LOG_DEBUG : LOG_WARN, "%s: %s: %s", j->name, j->sources.v[j->src], b.s);
	buf_printf(&j->errors, "\n  %s: %s", j->sources.v[j->src], b.s);
	free(b.s);
}

static void job_reset_tmp(struct job *j)
{
	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
	if (j->tmp)
		unlink(j->tmp);
	hash_sha256_free(&j->md);
	j->bytes = 0;
	j->write_errno = 0;
}

static bool job_open_tmp(struct job *j)
{
	job_reset_tmp(j);
	j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		log_err("%s: cannot create %s: %s", j->name, j->tmp, strerror(errno));
		return false;
	}
	hash_sha256_init(&j->md);
	return true;
}

static bool job_write(struct job *j, const void *data, size_t len)
{
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(j->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			j->write_errno = errno;
			return false;
		}
		p += w;
		left -= (size_t)w;
	}
	hash_sha256_update(&j->md, data, len);
	j->bytes += len;
	j->last_data = now_s();
	return true;
}

static bool fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

/* the temporary file holds a complete download: verify it and move it to its final name.
 * false when the source failed (the next one is to be tried) */
static bool job_commit(struct job *j, const char *source)
{
	char got[65];
	hash_sha256_final(&j->md, got);
	if (strcmp(got, j->sha) != 0) {
		uint64_t bytes = j->bytes;
		job_reset_tmp(j);
		job_fail_source(j, false, "sha256 mismatch: expected %s, got %s (%" PRIu64 " bytes); "
				   "download deleted", j->sha, got, bytes);
		return false;
	}
	if (fsync(j->fd) != 0 || close(j->fd) != 0) {
		int e = errno;
		j->fd = -1;
		job_reset_tmp(j);
		job_fail_source(j, false, "cannot write %s: %s", j->tmp, strerror(e));
		return false;
	}
	j->fd = -1;
	if (rename(j->tmp, j->final) != 0) {
		int e = errno;
		job_reset_tmp(j);
		job_fail_source(j, false, "cannot rename into %s: %s", j->final, strerror(e));
		return false;
	}
	fsync_dir(j->dir);
	log_info("fetched %s from %s (%" PRIu64 " bytes)", j->name, source, j->bytes);
	return true;
}

/* true when the cached file exists and has the right digest */
static bool cache_valid(struct job *j, bool remove_bad)
{
	char got[65];
	if (!path_is_file(j->final))
		return false;
	if (!hash_sha256_file(j->final, got)) {
		log_warn("%s: cannot read cached %s: %s", j->name, j->final, strerror(errno));
		return false;
	}
	if (strcmp(got, j->sha) == 0)
		return true;
	if (remove_bad) {
		log_warn("%s: cached %s is corrupt (sha256 %s, expected %s); fetching it again",
			 j->name, j->final, got, j->sha);
		unlink(j->final);
	}
	return false;
}

/* remove partial downloads left by killed processes; the caller holds the lock */
static void remove_stale_parts(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && strstr(e->d_name, ".part.")) {
			char *p = path_join(dir, e->d_name);
			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

/* 1: locked, 0: another process holds the lock, -1: error (logged) */
static int job_trylock(struct job *j)
{
	char *lock = path_join(j->dir, ".lock");
	int rc = -1;
	j->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (j->lockfd < 0) {
		buf_printf(&j->errors, "\n  cannot open the lock file %s: %s", lock, strerror(errno));
		goto out;
	}
	if (flock(j->lockfd, LOCK_EX | LOCK_NB) == 0) {
		remove_stale_parts(j->dir);
		rc = 1;
		goto out;
	}
	if (errno == EWOULDBLOCK || errno == EINTR) {
		if (!j->waited)
			log_info("%s: waiting for another kiln process fetching it (lock %s)", j->name,
				 lock);
		j->waited = true;
		rc = 0;
	} else {
		buf_printf(&j->errors, "\n  cannot lock %s: %s", lock, strerror(errno));
	}
	close(j->lockfd);
	j->lockfd = -1;
out:
	free(lock);
	return rc;
}

static void job_unlock(struct job *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd);
	j->lockfd = -1;
}

static void job_finish(struct fetch *f, struct job *j, bool ok)
{
	job_reset_tmp(j);
	if (ok) {
		j->state = JOB_DONE;
		j->item->path = xstrdup(j->final);
	} else {
		j->state = JOB_FAILED;
		j->item->error = xasprintf("cannot fetch %s (sha256 %s); tried:%s", j->name, j->sha,
					   j->errors.s ? j->errors.s : " nothing");
		log_err("%s", j->item->error);
	}
	job_unlock(j);
	f->finished++;
}

/* the current source failed for good: move on to the next one not tried yet (an index
 * may have given the recipe's own URL), or fail the job */
static void job_next_source(struct fetch *f, struct job *j)
{
	j->src++;
	while (j->src < j->sources.n && !j->index[j->src]) {
		size_t k = 0;
		while (k < j->src && strcmp(j->sources.v[k], j->sources.v[j->src]) != 0)
			k++;
		if (k == j->src)
			break;
		j->src++;
	}
	j->attempt = 0;
	j->ready_at = 0;
	if (j->src >= j->sources.n)
		job_finish(f, j, false);
	else
		j->state = JOB_WAIT;
}

/* a transient failure: try the same source again after a back-off, if tries are left */
static void job_retry(struct fetch *f, struct job *j)
{
	if (j->attempt >= f->tries) {
		job_next_source(f, j);
		return;
	}
	double delay = (double)f->backoff_ms / 1000.0;
	for (unsigned i = 1; i < j->attempt && delay < 60; i++)
		delay *= 2;
	log_info("%s: retrying %s in %.1fs (attempt %u of %u)", j->name, j->sources.v[j->src],
		 delay, j->attempt + 1, f->tries);
	j->ready_at = now_s() + delay;
	j->state = JOB_WAIT;
}

static void job_copy_local(struct fetch *f, struct job *j)
{
	const char *src = j->sources.v[j->src];
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		job_fail_source(j, errno == ENOENT && j->src + 1 < j->sources.n, "%s",
				strerror(errno));
		job_next_source(f, j);
		return;
	}
	if (!job_open_tmp(j)) {
		close(in);
		job_finish(f, j, false);
		return;
	}
	char chunk[65536];
	for (;;) {
		ssize_t r = read(in, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			job_fail_source(j, false, "read error: %s", strerror(errno));
			break;
		}
		if (r == 0) {
			close(in);
			if (job_commit(j, src))
				job_finish(f, j, true);
			else
				job_next_source(f, j);
			return;
		}
		if (!job_write(j, chunk, (size_t)r)) {
			job_fail_source(j, false, "cannot write %s: %s", j->tmp, strerror(j->write_errno));
			break;
		}
	}
	close(in);
	job_reset_tmp(j);
	job_next_source(f, j);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct job *j = ctx;
	return job_write(j, data, size * nmemb) ? size * nmemb : 0;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct job *j = ctx;
	if (now_s() - j->last_data <= (double)j->stall_timeout)
		return 0;
	j->stalled = true;
	return 1;
}

static void job_start_curl(struct fetch *f, struct job *j)
{
	if (!job_open_tmp(j)) {
		job_finish(f, j, false);
		return;
	}
	CURL *e = curl_easy_init();
	if (!e) {
		log_err("%s: cannot create a curl handle", j->name);
		job_finish(f, j, false);
		return;
	}
	j->curlerr[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, j->sources.v[j->src]);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->curlerr);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, f->max_redirects);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, f->connect_timeout);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, j);
	j->stall_timeout = f->stall_timeout;
	j->stalled = false;
	j->last_data = now_s();
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kiln/" KILN_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		log_err("%s: cannot start the transfer of %s", j->name, j->sources.v[j->src]);
		job_finish(f, j, false);
		return;
	}
	j->easy = e;
	j->state = JOB_ACTIVE;
	f->active++;
	log_debug("%s: downloading %s", j->name, j->sources.v[j->src]);
}

/* the current source is an index's project page: find the file there and make its URL the
 * source; false when the page does not have it (the next source is then due) */
static bool job_resolve_page(struct fetch *f, struct job *j)
{
	const char *page = j->sources.v[j->src];
	const char *why = NULL;
	const struct index_page *pg = index_project(j->index[j->src], j->project, &f->net, &why);
	const struct index_file *file = pg ? index_page_file(pg, j->name) : NULL;
	if (!pg) {
		job_fail_source(j, false, "%s", why);
	} else if (!file) {
		job_fail_source(j, false, "%s is not on the project page (%zu files)", j->name, pg->n);
	} else if (file->sha256[0] && strcmp(file->sha256, j->sha) != 0) {
		job_fail_source(j, false, "the index lists %s with sha256 %s, not %s; not downloaded",
			j->name, file->sha256, j->sha);
	} else {
		log_debug("%s: listed on %s as %s", j->name, page, file->url);
		free(j->sources.v[j->src]);
		j->sources.v[j->src] = xstrdup(file->url);
		j->index[j->src] = NULL;
		return true;
	}
	return false;
}

static void job_start(struct fetch *f, struct job *j)
{
	if (j->lockfd < 0) {
		int r = job_trylock(j);
		if (r < 0) {
			job_finish(f, j, false);
			return;
		}
		if (r == 0) {
			j->ready_at = now_s() + 0.1;
			return;
		}
		if (cache_valid(j, true)) {
			log_info("%s: fetched by another process", j->name);
			job_finish(f, j, true);
			return;
		}
	}
	if (j->index[j->src] && !job_resolve_page(f, j)) {
		job_next_source(f, j);
		return;
	}
	j->attempt++;
	if (is_url(j->sources.v[j->src]))
		job_start_curl(f, j);
	else
		job_copy_local(f, j);
}

static bool transient(CURLcode rc, long http)
{
	switch (rc) {
	case CURLE_HTTP_RETURNED_ERROR:
		return http >= 500 || http == 408 || http == 429;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static void job_done_curl(struct fetch *f, struct job *j, CURLcode rc)
{
	long http = 0;
	char *url = NULL;
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &url);
	char *where = xstrdup(url ? url : j->sources.v[j->src]);
	curl_multi_remove_handle(f->multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	f->active--;
	if (rc == CURLE_OK) {
		if (job_commit(j, where))
			job_finish(f, j, true);
		else
			job_next_source(f, j);
		free(where);
		return;
	}
	uint64_t got = j->bytes;
	job_reset_tmp(j);
	bool retry = transient(rc, http) || j->stalled;
	bool missing = (rc == CURLE_HTTP_RETURNED_ERROR && http == 404) ||
		       rc == CURLE_FILE_COULDNT_READ_FILE;
	struct buf why = {0};
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		buf_printf(&why, "HTTP %ld", http);
	else if (j->stalled)
		buf_printf(&why, "stalled: no data for %ld s after %" PRIu64 " bytes", j->stall_timeout,
			   got);
	else if (rc == CURLE_WRITE_ERROR && j->write_errno)
		buf_printf(&why, "cannot write %s: %s", j->tmp, strerror(j->write_errno));
	else
		buf_printf(&why, "%s", j->curlerr[0] ? j->curlerr : curl_easy_strerror(rc));
	if (strcmp(where, j->sources.v[j->src]) != 0)
		buf_printf(&why, " (at %s)", where);
	if (retry && j->attempt < f->tries)
		buf_printf(&why, "; attempt %u of %u", j->attempt, f->tries);
	job_fail_source(j, missing && j->src + 1 < j->sources.n, "%s", why.s);
	buf_free(&why);
	free(where);
	if (retry)
		job_retry(f, j);
	else
		job_next_source(f, j);
}

static void job_free(struct job *j)
{
	if (j->easy)
		curl_easy_cleanup(j->easy);
	job_reset_tmp(j);
	job_unlock(j);
	free(j->dir);
	free(j->final);
	free(j->tmp);
	strv_free(&j->sources);
	free(j->index);
	free(j->project);
	buf_free(&j->errors);
}

static char *mirror_source(const char *mirror, const char *name)
{
	if (!is_url(mirror)) {
		char *dir = path_absolute(mirror);
		char *s = path_join(dir, name);
		free(dir);
		return s;
	}
	size_t n = strlen(mirror);
	while (n > 0 && mirror[n - 1] == '/')
		n--;
	char *esc = curl_easy_escape(NULL, name, 0);
	if (!esc)
		return NULL;
	char *s = xasprintf("%.*s/%s", (int)n, mirror, esc);
	curl_free(esc);
	return s;
}

/* fill a job from its item; false (with item->error set) on bad input */
static bool job_init(struct job *j, struct fetch_item *it, const char *cache,
		     const struct fetch_opts *opts)
{
	memset(j, 0, sizeof(*j));
	j->item = it;
	j->fd = j->lockfd = -1;
	char *name = it->file_name ? xstrdup(it->file_name) : url_file_name(it->url ? it->url : "");
	bool ok = false;
	if (!it->sha256 || !valid_sha(it->sha256, j->sha)) {
		it->error = xasprintf("%s: sha256 '%s' is not 64 hex digits", it->url ? it->url : name,
				      it->sha256 ? it->sha256 : "");
	} else if (!valid_file_name(name)) {
		it->error = xasprintf("%s: file name '%s' is not a plain file name", it->url ? it->url : "",
				      name);
	} else {
		ok = true;
	}
	if (!ok) {
		log_err("%s", it->error);
		free(name);
		j->state = JOB_FAILED;
		return false;
	}
	j->dir = xasprintf("%s/sources/%s", cache, j->sha);
	j->final = path_join(j->dir, name);
	j->tmp = xasprintf("%s/.%s.part.%ld", j->dir, name, (long)getpid());
	j->name = path_basename(j->final);
	free(name);
	for (size_t i = 0; i < opts->n_mirrors; i++) {
		char *s = mirror_source(opts->mirrors[i], j->name);
		if (s)
			strv_push(&j->sources, s);
	}
	j->project = it->project ? xstrdup(it->project) : index_project_of_file(j->name);
	size_t first_page = j->sources.n;
	for (size_t i = 0; j->project && i < opts->n_indexes; i++) {
		const char *ix = opts->indexes[i];
		size_t n = strlen(ix);
		while (n && ix[n - 1] == '/')
			n--;
		char *norm = recipe_normalize(j->project);
		strv_push(&j->sources, xasprintf("%.*s/%s/", (int)n, ix, norm));
		free(norm);
	}
	j->index = xcalloc(j->sources.n + 1, sizeof(*j->index));
	for (size_t i = first_page; i < j->sources.n; i++)
		j->index[i] = opts->indexes[i - first_page];
	if (it->url && !strv_has(&j->sources, it->url))
		strv_add(&j->sources, it->url);
	j->state = JOB_WAIT;
	return true;
}


static int cmp_job_sha(const void *a, const void *b)
{
	const struct job *const *x = a, *const *y = b;
	int c = strcmp((*x)->sha, (*y)->sha);
	return c ? c : ((*x)->item < (*y)->item ? -1 : (*x)->item > (*y)->item);
}

static void show_progress(struct fetch *f, struct job *jobs, size_t n)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == JOB_ACTIVE)
			bytes += jobs[i].bytes;
	log_status("fetch: %zu/%zu done, %zu downloading, %.1f MiB", f->finished, f->total, f->active,
		   (double)bytes / (1024.0 * 1024.0));
}

static bool run(struct fetch *f, struct job *jobs, size_t n)
{
	double last_progress = 0;
	while (f->finished < f->total) {
		double now = now_s();
		for (size_t i = 0; i < n && f->active < f->jobs; i++)
			if (jobs[i].state == JOB_WAIT && jobs[i].ready_at <= now)
				job_start(f, &jobs[i]);
		int running = 0;
		if (curl_multi_perform(f->multi, &running) != CURLM_OK) {
			log_err("curl_multi_perform failed");
			return false;
		}
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(f->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			CURL *e = m->easy_handle;
			CURLcode rc = m->data.result;
			for (size_t i = 0; i < n; i++)
				if (jobs[i].easy == e)
					job_done_curl(f, &jobs[i], rc);
		}
		if (f->finished >= f->total)
			break;
		now = now_s();
		if (now - last_progress >= 0.2) {
			show_progress(f, jobs, n);
			last_progress = now;
		}
		bool startable = false;
		double next = now + 0.25;
		for (size_t i = 0; i < n; i++) {
			if (jobs[i].state != JOB_WAIT)
				continue;
			if (jobs[i].ready_at <= now && f->active < f->jobs)
				startable = true;
			else if (jobs[i].ready_at > now && jobs[i].ready_at < next)
				next = jobs[i].ready_at;
		}
		if (startable)
			continue;
		int timeout = next > now ? (int)((next - now) * 1000) + 1 : 0;
		if (curl_multi_poll(f->multi, NULL, 0, timeout, NULL) != CURLM_OK) {
			log_err("curl_multi_poll failed");
			return false;
		}
	}
	log_status(NULL);
	return true;
}

static void finish_dups(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		if (j->state != JOB_DUP)
			continue;
		struct job *p = j->primary;
		if (p->state != JOB_DONE) {
			j->item->error = xasprintf("cannot fetch %s (sha256 %s): %s", j->name, j->sha,
						   p->item->error ? p->item->error : "failed");
			continue;
		}
		if (strcmp(p->final, j->final) != 0 && !path_is_file(j->final) &&
		    link(p->final, j->final) != 0 && errno != EEXIST) {
			j->item->error = xasprintf("cannot link %s to %s: %s", p->final, j->final,
						   strerror(errno));
			log_err("%s", j->item->error);
			continue;
		}
		j->item->path = xstrdup(j->final);
	}
}

bool fetch_all(struct fetch_item *items, size_t n, const struct fetch_opts *opts)
{
	static const struct fetch_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	if (!lib_curl_load()) {
		for (size_t i = 0; i < n; i++)
			items[i].error = xstrdup("libcurl cannot be loaded");
		return false;
	}
	struct fetch f = {
		.jobs = opts->jobs ? opts->jobs : 4,
		.tries = opts->tries ? opts->tries : 3,
		.backoff_ms = opts->backoff_ms ? opts->backoff_ms : 1000,
		.connect_timeout = opts->connect_timeout ? opts->connect_timeout : 30,
		.stall_timeout = opts->stall_timeout ? opts->stall_timeout : 60,
		.max_redirects = opts->max_redirects ? opts->max_redirects : 10,
	};
	f.net = (struct index_net){f.tries, f.backoff_ms, f.connect_timeout};
	char *cache = path_absolute(opts->cache_dir ? opts->cache_dir : config_cache_dir());
	struct job *jobs = xcalloc(n, sizeof(*jobs));
	struct job **order = xcalloc(n, sizeof(*order));
	size_t n_order = 0;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		items[i].path = items[i].error = NULL;
		if (!job_init(&jobs[i], &items[i], cache, opts))
			ok = false;
		else
			order[n_order++] = &jobs[i];
	}
	/* items with the same digest share one job */
	array_sort(order, n_order, sizeof(*order), cmp_job_sha);
	for (size_t i = 0; i < n_order; i++) {
		struct job *j = order[i];
		if (i > 0 && strcmp(order[i - 1]->sha, j->sha) == 0) {
			j->primary = order[i - 1]->primary ? order[i - 1]->primary : order[i - 1];
			j->state = JOB_DUP;
			continue;
		}
		if (cache_valid(j, false)) {
			log_debug("%s: found in the cache (%s)", j->name, j->final);
			j->state = JOB_DONE;
			j->item->path = xstrdup(j->final);
			continue;
		}
		if (!mkdir_p(j->dir, 0755)) {
			log_err("%s: cannot create %s: %s", j->name, j->dir, strerror(errno));
			j->item->error = xasprintf("cannot create %s: %s", j->dir, strerror(errno));
			j->state = JOB_FAILED;
			continue;
		}
		if (j->sources.n == 0) {
			j->item->error = xasprintf("%s is not in the cache and has no URL or mirror", j->name);
			log_err("%s", j->item->error);
			j->state = JOB_FAILED;
			continue;
		}
		f.total++;
	}
	if (f.total > 0) {
		f.multi = curl_multi_init();
		if (!f.multi) {
			log_err("cannot create a curl multi handle");
			ok = false;
		} else {
			curl_multi_setopt(f.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f.jobs);
			if (!run(&f, jobs, n))
				ok = false;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((jobs[i].state == JOB_WAIT || jobs[i].state == JOB_ACTIVE) && !items[i].error)
			items[i].error = xasprintf("%s: not fetched (interrupted)", jobs[i].name);
	finish_dups(jobs, n);
	for (size_t i = 0; i < n; i++) {
		if (!items[i].path)
			ok = false;
		if (jobs[i].easy)
			curl_multi_remove_handle(f.multi, jobs[i].easy);
		job_free(&jobs[i]);
	}
	if (f.multi)
		curl_multi_cleanup(f.multi);
	free(order);
	free(jobs);
	free(cache);
	return ok;
}

void fetch_item_clear(struct fetch_item *it)
{
	free(it->path);
	free(it->error);
	it->path = it->error = NULL;
}

bool fetch_is_spec(const char *spec)
{
	size_t n = strspn(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	if (!n || !isalnum((unsigned char)spec[0]))
		return false;
	if (!spec[n])
		return true;
	const char *v = spec + n;
	return str_startswith(v, "==") && v[2] &&
		strspn(v + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+!_-") ==
		strlen(v + 2);
}

void fetch_sdist_free(struct fetch_sdist *s)
{
	free(s->path);
	free(s->url);
	*s = (struct fetch_sdist){0};
}

bool fetch_sdist(const char *spec, const char *const *indexes, size_t n_indexes,
	struct fetch_sdist *out)
{
	*out = (struct fetch_sdist){0};
	const char *eq = strstr(spec, "==");
	char *name = eq ? xstrndup(spec, (size_t)(eq - spec)) : xstrdup(spec);
	const char *version = eq ? eq + 2 : NULL;
	const struct index_file *f = NULL;
	struct buf tried = {0};
	for (size_t i = 0; i < n_indexes && !f; i++) {
		const char *why = NULL;
		const struct index_page *pg = index_project(indexes[i], name, NULL, &why);
		f = pg ? index_page_sdist(pg, name, version) : NULL;
		if (!pg)
			buf_printf(&tried, "\n  %s: %s", indexes[i], why);
		else if (!f)
			buf_printf(&tried, "\n  %s: no sdist (.tar.gz or .zip) of %s among %zu files",
				pg->url, spec, pg->n);
	}
	bool ok = false;
	if (!f) {
		log_err("cannot find %s; tried:%s", spec, tried.s ? tried.s : " no index (--no-index)");
	} else if (!f->sha256[0]) {
		log_err("%s: the index lists no sha256 for it, so it cannot be verified", f->url);
	} else {
		if (f->yanked)
			log_warn("%s is yanked on its index", f->name);
		struct fetch_item it = {.url = f->url, .file_name = f->name, .sha256 = f->sha256,
			.project = name};
		if (fetch_all(&it, 1, NULL)) {
			out->path = it.path;
			it.path = NULL;
			out->url = xstrdup(f->url);
			memcpy(out->sha256, f->sha256, sizeof(out->sha256));
			ok = true;
		}
		fetch_item_clear(&it);
	}
	buf_free(&tried);
	free(name);
	return ok;
}

void fetch_mirrors_from_env(struct strv *mirrors)
{
	const char *v = getenv("KILN_MIRRORS");
	if (!v)
		return;
	while (*v) {
		size_t skip = strspn(v, " ,\t\n");
		v += skip;
		size_t len = strcspn(v, " ,\t\n");
		if (len)
			strv_push(mirrors, xstrndup(v, len));
		v += len;
	}
}

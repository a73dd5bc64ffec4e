#include "artifact/wheel.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact/metadata.h"
#include "base/arcread.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "recipe/recipe.h"
#include "toolchain/wasm.h"

#define WHEEL_MAX_FILE ((size_t)1 << 31)
#define DOS_EPOCH 315532800

/* ---- names ---- */

void wheel_name_free(struct wheel_name *n)
{
	free(n->dist);
	free(n->version);
	free(n->build);
	free(n->python);
	free(n->abi);
	free(n->platform);
	*n = (struct wheel_name){0};
}

bool wheel_name_parse(const char *path, struct wheel_name *out)
{
	const char *base = path_basename(path);
	*out = (struct wheel_name){0};
	if (!str_endswith(base, ".whl")) {
		log_err("%s: not a wheel file name (no .whl suffix)", base);
		return false;
	}
	char *s = xstrndup(base, strlen(base) - 4);
	char *parts[7];
	size_t n = 0;
	for (char *p = s, *dash; n < ARRAY_LEN(parts); p = dash + 1) {
		parts[n++] = p;
		dash = strchr(p, '-');
		if (!dash)
			break;
		*dash = '\0';
	}
	bool ok = n == 5 || n == 6;
	for (size_t i = 0; ok && i < n; i++)
		ok = parts[i][0] != '\0';
	if (!ok) {
		log_err("%s: not a wheel file name "
			"({name}-{version}(-{build})?-{python}-{abi}-{platform}.whl)", base);
		free(s);
		return false;
	}
	out->dist = xstrdup(parts[0]);
	out->version = xstrdup(parts[1]);
	out->build = n == 6 ? xstrdup(parts[2]) : NULL;
	out->python = xstrdup(parts[n - 3]);
	out->abi = xstrdup(parts[n - 2]);
	out->platform = xstrdup(parts[n - 1]);
	free(s);
	return true;
}

/* archive member names we accept: relative, no empty, "." or ".." components */
static bool member_name_ok(const char *n)
{
	if (!*n || n[0] == '/' || strchr(n, '\\'))
		return false;
	for (const char *c = n; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
		if (*c == '/')
			c++;
		if (*c == '\0' && c[-1] == '/')
			return false;
	}
	return true;
}

/* ---- the in-memory file list ---- */

struct wheel_file *wheel_find(const struct wheel *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->files[i].name, name) == 0)
			return &w->files[i];
	return NULL;
}

static void put_owned(struct wheel *w, char *name, unsigned char *data, size_t size, bool exec)
{
	struct wheel_file *f = wheel_find(w, name);
	if (f) {
		free(name);
		free(f->data);
	} else {
		w->files = xgrow(w->files, &w->cap, w->n + 1, sizeof(*w->files));
		f = &w->files[w->n++];
		f->name = name;
	}
	f->data = data;
	f->size = size;
	f->exec = exec;
}

void wheel_put(struct wheel *w, const char *name, const void *data, size_t size, bool exec)
{
	unsigned char *copy = xmalloc(size);
	if (size)
		memcpy(copy, data, size);
	put_owned(w, xstrdup(name), copy, size, exec);
}

static void take_file(struct wheel *w, size_t i, struct wheel_file *out)
{
	*out = w->files[i];
	memmove(&w->files[i], &w->files[i + 1], (w->n - i - 1) * sizeof(*w->files));
	w->n--;
}

bool wheel_remove(struct wheel *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->files[i].name, name) == 0) {
			struct wheel_file f;
			take_file(w, i, &f);
			free(f.name);
			free(f.data);
			return true;
		}
	}
	return false;
}

static void meta_free(struct wheel_meta *m)
{
	free(m->name);
	free(m->version);
	free(m->summary);
	strv_free(&m->requires_dist);
	strv_free(&m->tags);
	strv_free(&m->top_level);
	*m = (struct wheel_meta){0};
}

void wheel_free(struct wheel *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->files[i].name);
		free(w->files[i].data);
	}
	free(w->files);
	free(w->origin);
	free(w->dist_info);
	meta_free(&w->meta);
	free(w);
}

/* ---- metadata ---- */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* what METADATA and WHEEL say */
static void read_fields(struct wheel_meta *m, const struct wheel_file *mf,
	const struct wheel_file *wf)
{
	struct metadata md = {0}, wh = {0};
	metadata_parse(&md, (const char *)mf->data, mf->size);
	m->name = dup_or_null(metadata_get(&md, "Name"));
	m->version = dup_or_null(metadata_get(&md, "Version"));
	m->summary = dup_or_null(metadata_get(&md, "Summary"));
	metadata_get_all(&md, "Requires-Dist", &m->requires_dist);
	metadata_parse(&wh, (const char *)wf->data, wf->size);
	metadata_get_all(&wh, "Tag", &m->tags);
	const char *purelib = metadata_get(&wh, "Root-Is-Purelib");
	m->root_is_purelib = purelib && strcasecmp(purelib, "true") == 0;
	metadata_free(&md);
	metadata_free(&wh);
}

bool wheel_is_identifier(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void top_level_names(struct wheel *w)
{
	char *path = xasprintf("%s/top_level.txt", w->dist_info);
	struct wheel_file *f = wheel_find(w, path);
	free(path);
	if (f) {
		const char *p = (const char *)f->data, *end = p + f->size;
		while (p < end) {
			size_t len = 0;
			while (p + len < end && p[len] != '\n' && p[len] != '\r' && p[len] != '/')
				len++;
			char *name = xstrndup(p, len);
			if (wheel_is_identifier(name, len) && !strv_has(&w->meta.top_level, name))
				strv_push(&w->meta.top_level, name);
			else
				free(name);
			while (p < end && *p != '\n')
				p++;
			p++;
		}
		if (w->meta.top_level.n)
			return;
	}
	for (size_t i = 0; i < w->n; i++) {
		const char *n = w->files[i].name;
		const char *slash = strchr(n, '/');
		size_t len;
		if (slash) {
			len = (size_t)(slash - n);
			if ((len > 10 && memcmp(n + len - 10, ".dist-info", 10) == 0) ||
				(len > 5 && memcmp(n + len - 5, ".data", 5) == 0) ||
				(len > 5 && memcmp(n + len - 5, ".libs", 5) == 0))
				continue;
		} else if (str_endswith(n, ".py") || str_endswith(n, ".so")) {
			len = strcspn(n, ".");
		} else {
			continue;
		}
		if (!wheel_is_identifier(n, len) || (len == 11 && memcmp(n, "__pycache__", 11) == 0))
			continue;
		char *name = xstrndup(n, len);
		if (strv_has(&w->meta.top_level, name))
			free(name);
		else
			strv_push(&w->meta.top_level, name);
	}
	array_sort(w->meta.top_level.v, w->meta.top_level.n, sizeof(char *), cmp_str);
}

/* find the one .dist-info directory and parse METADATA, WHEEL, top_level.txt */
static bool parse_meta(struct wheel *w)
{
	meta_free(&w->meta);
	free(w->dist_info);
	w->dist_info = NULL;
	for (size_t i = 0; i < w->n; i++) {
		const char *n = w->files[i].name;
		const char *slash = strchr(n, '/');
		if (!slash || slash - n <= 10 || memcmp(slash - 10, ".dist-info", 10) != 0)
			continue;
		size_t len = (size_t)(slash - n);
		if (!w->dist_info) {
			w->dist_info = xstrndup(n, len);
		} else if (strlen(w->dist_info) != len || memcmp(w->dist_info, n, len) != 0) {
			log_err("%s: more than one .dist-info directory (%s, %.*s)", w->origin,
				w->dist_info, (int)len, n);
			return false;
		}
	}
	if (!w->dist_info) {
		log_err("%s: no .dist-info directory: not a wheel", w->origin);
		return false;
	}
	char *mp = xasprintf("%s/METADATA", w->dist_info);
	char *wp = xasprintf("%s/WHEEL", w->dist_info);
	struct wheel_file *mf = wheel_find(w, mp), *wf = wheel_find(w, wp);
	bool ok = false;
	if (!mf || !wf) {
		log_err("%s: missing %s", w->origin, mf ? wp : mp);
		goto out;
	}
	read_fields(&w->meta, mf, wf);
	if (!w->meta.name || !w->meta.version || !*w->meta.name || !*w->meta.version) {
		log_err("%s: %s lacks a Name or Version field", w->origin, mp);
		goto out;
	}
	if (w->meta.tags.n == 0) {
		log_err("%s: %s has no Tag line", w->origin, wp);
		goto out;
	}
	top_level_names(w);
	ok = true;
out:
	free(mp);
	free(wp);
	return ok;
}

/* ---- hashes and RECORD ---- */

static char *record_path(const struct wheel *w)
{
	return xasprintf("%s/RECORD", w->dist_info);
}

static bool is_record_file(const struct wheel *w, const char *name)
{
	size_t n = strlen(w->dist_info);
	return strncmp(name, w->dist_info, n) == 0 && name[n] == '/' &&
		(strcmp(name + n + 1, "RECORD") == 0 || strcmp(name + n + 1, "RECORD.jws") == 0 ||
			strcmp(name + n + 1, "RECORD.p7s") == 0);
}

/* one CSV field (RFC 4180 quoting) from *p, advancing past the comma */
static char *csv_field(const char **p)
{
	struct buf b = {0};
	const char *s = *p;
	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				buf_putc(&b, *s++);
			else if (*s == '"')
				break;
			else
				buf_putc(&b, *s);
		}
		if (*s == '"')
			s++;
	}
	while (*s && *s != ',')
		buf_putc(&b, *s++);
	if (*s == ',')
		s++;
	*p = s;
	return buf_take(&b);
}

bool wheel_verify_record(const struct wheel *w)
{
	char *rp = record_path(w);
	struct wheel_file *rf = wheel_find(w, rp);
	bool ok = false;
	bool *seen = xcalloc(w->n, sizeof(*seen));
	char *text = NULL;
	if (!rf) {
		log_err("%s: no %s", w->origin, rp);
		goto out;
	}
	text = xstrndup((const char *)rf->data, rf->size);
	unsigned lineno = 0;
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		const char *p = line;
		char *path = csv_field(&p), *hash = csv_field(&p), *size = csv_field(&p);
		bool good = false;
		struct wheel_file *f = NULL;
		for (size_t i = 0; i < w->n; i++)
			if (strcmp(w->files[i].name, path) == 0)
				f = &w->files[i];
		if (str_endswith(path, "/")) {
			good = true;
		} else if (!f) {
			log_err("%s: RECORD line %u lists %s, which is not in the wheel", w->origin,
				lineno, path);
		} else if (!*hash) {
			good = is_record_file(w, path);
			if (!good)
				log_err("%s: RECORD line %u: %s has no hash", w->origin, lineno, path);
		} else {
			char *eq = strchr(hash, '=');
			char *algo = eq ? xstrndup(hash, (size_t)(eq - hash)) : xstrdup(hash);
			char *got = NULL;
			if (strcmp(algo, "md5") == 0 || strcmp(algo, "sha1") == 0)
				log_err("%s: RECORD line %u: %s: hash algorithm %s is too weak",
					w->origin, lineno, path, algo);
			else if (!(got = hash_record(algo, f->data, f->size)))
				log_err("%s: RECORD line %u: %s: unknown hash algorithm '%s'",
					w->origin, lineno, path, algo);
			else if (strcmp(got, hash) != 0)
				log_err("%s: %s: hash mismatch (RECORD has %s, the file has %s)",
					w->origin, path, hash, got);
			else if (*size && (strspn(size, "0123456789") != strlen(size) ||
						 strtoull(size, NULL, 10) != f->size))
				log_err("%s: %s: size mismatch (RECORD has %s, the file has %zu bytes)",
					w->origin, path, size, f->size);
			else
				good = true;
			free(got);
			free(algo);
		}
		if (f)
			seen[f - w->files] = true;
		free(path);
		free(hash);
		free(size);
		if (!good)
			goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (!seen[i] && !is_record_file(w, w->files[i].name)) {
			log_err("%s: %s is not listed in RECORD", w->origin, w->files[i].name);
			goto out;
		}
	}
	ok = true;
out:
	free(text);
	free(seen);
	free(rp);
	return ok;
}

/* ---- reading ---- */

static struct wheel *wheel_new(const char *origin)
{
	struct wheel *w = xcalloc(1, sizeof(*w));
	w->origin = xstrdup(origin);
	return w;
}

static enum arc_step read_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct wheel *w = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name) {
		log_err("%s: an entry without a name", w->origin);
		return ARC_FAIL;
	}
	if (archive_entry_filetype(e) == AE_IFDIR || str_endswith(name, "/"))
		return ARC_NEXT;
	if (archive_entry_filetype(e) != AE_IFREG) {
		log_err("%s: %s is not a regular file", w->origin, name);
		return ARC_FAIL;
	}
	if (!member_name_ok(name)) {
		log_err("%s: unsafe member name '%s'", w->origin, name);
		return ARC_FAIL;
	}
	if (wheel_find(w, name)) {
		log_err("%s: %s appears twice", w->origin, name);
		return ARC_FAIL;
	}
	struct buf b = {0};
	int got = arc_entry_data(a, &b, WHEEL_MAX_FILE);
	if (got) {
		if (got > 0)
			log_err("%s: %s: larger than 2 GiB", w->origin, name);
		else
			log_err("%s: %s: %s", w->origin, name, archive_error_string(a));
		buf_free(&b);
		return ARC_FAIL;
	}
	size_t size = b.len;
	put_owned(w, xstrdup(name), (unsigned char *)buf_take(&b), size,
		(archive_entry_perm(e) & 0111) != 0);
	return ARC_NEXT;
}

struct wheel *wheel_read(const char *path)
{
	struct wheel *w = wheel_new(path);
	struct arc_source src = {.path = path, .formats = ARC_ZIP_INDEX, .short_errors = true};
	if (!arc_each(&src, read_member, w) || !parse_meta(w)) {
		wheel_free(w);
		return NULL;
	}
	return w;
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool read_tree(struct wheel *w, const char *root, const char *rel)
{
	char *dir = *rel ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct strv names = {0};
	bool ok = false;
	if (!d) {
		log_err("%s: %s", dir, strerror(errno));
		goto out;
	}
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_dirent);
	for (size_t i = 0; i < names.n; i++) {
		char *r = *rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		char *full = path_join(root, r);
		struct stat st;
		bool good = false;
		if (lstat(full, &st) != 0) {
			log_err("%s: %s", full, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			good = read_tree(w, root, r);
		} else if (!S_ISREG(st.st_mode)) {
			log_err("%s: not a regular file or directory (wheels hold files only)", full);
		} else {
			size_t len;
			char *data = read_file(full, &len);
			if (!data)
				log_err("%s: %s", full, strerror(errno));
			else
				put_owned(w, xstrdup(r), (unsigned char *)data, len,
					(st.st_mode & 0111) != 0);
			good = data != NULL;
		}
		free(full);
		free(r);
		if (!good)
			goto out;
	}
	ok = true;
out:
	strv_free(&names);
	free(dir);
	return ok;
}

struct wheel *wheel_read_dir(const char *dir)
{
	struct wheel *w = wheel_new(dir);
	if (!read_tree(w, dir, "") || !parse_meta(w)) {
		wheel_free(w);
		return NULL;
	}
	return w;
}

struct wheel *wheel_read_tree(const char *dir)
{
	struct wheel *w = wheel_new(dir);
	if (!read_tree(w, dir, "")) {
		wheel_free(w);
		return NULL;
	}
	if (w->n == 0) {
		log_err("%s: no files", dir);
		wheel_free(w);
		return NULL;
	}
	return w;
}

struct wheel *wheel_check(const char *path)
{
	struct wheel *w = wheel_read(path);
	if (w && !wheel_verify_record(w)) {
		wheel_free(w);
		return NULL;
	}
	return w;
}

/* ---- inspection and edits ---- */

static bool in_dist_info(const struct wheel *w, const char *name)
{
	size_t n = strlen(w->dist_info);
	return strncmp(name, w->dist_info, n) == 0 && name[n] == '/';
}

static bool is_shared_object(const char *name)
{
	const char *base = path_basename(name);
	const char *so = strstr(base, ".so");
	while (so) {
		const char *t = so + 3;
		while (*t == '.' && isdigit((unsigned char)t[1])) {
			t++;
			while (isdigit((unsigned char)*t))
				t++;
		}
		if (*t == '\0')
			return true;
		so = strstr(so + 1, ".so");
	}
	return str_endswith(base, ".pyd");
}

bool wheel_has_compiled_modules(const struct wheel *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!in_dist_info(w, w->files[i].name) && is_shared_object(w->files[i].name))
			return true;
	return false;
}

bool wheel_check_wasm(const struct wheel *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct wheel_file *f = &w->files[i];
		if (in_dist_info(w, f->name) || !is_shared_object(f->name))
			continue;
		if (f->size < 4 || memcmp(f->data, "\0asm", 4) != 0) {
			bool elf = f->size >= 4 && memcmp(f->data, "\177ELF", 4) == 0;
			log_err("%s: %s is not WebAssembly%s", w->origin, f->name,
				elf ? " but a host ELF object: the build used the host compiler" : "");
			return false;
		}
	}
	return true;
}

size_t wheel_rename_suffix(struct wheel *w, const char *from_suffix, const char *to_suffix)
{
	size_t n = 0, fl = strlen(from_suffix);
	for (size_t i = 0; i < w->n; i++) {
		char *name = w->files[i].name;
		if (in_dist_info(w, name) || !str_endswith(name, from_suffix))
			continue;
		char *renamed = xasprintf("%.*s%s", (int)(strlen(name) - fl), name, to_suffix);
		if (wheel_find(w, renamed)) {
			log_warn("%s: %s: %s exists already; not renamed", w->origin, name, renamed);
			free(renamed);
			continue;
		}
		free(name);
		w->files[i].name = renamed;
		n++;
	}
	return n;
}

bool wheel_retag(struct wheel *w, const struct wheel_target *t)
{
	bool compiled = wheel_has_compiled_modules(w);
	struct strv tags = {0};
	for (size_t i = 0; i < w->meta.tags.n; i++) {
		const char *tag = w->meta.tags.v[i];
		if (!compiled && !str_endswith(tag, "-none-any"))
			continue;
		if (compiled) {
			char *abi3 = strstr(tag, "-abi3-");
			char *nt = abi3 ? xasprintf("%.*s-abi3-%s", (int)(abi3 - tag), tag, t->platform_tag)
					: xasprintf("%s-%s-%s", t->python_tag, t->python_tag, t->platform_tag);
			if (strv_has(&tags, nt))
				free(nt);
			else
				strv_push(&tags, nt);
		} else if (!strv_has(&tags, tag)) {
			strv_add(&tags, tag);
		}
	}
	if (tags.n == 0)
		strv_add(&tags, "py3-none-any");
	wheel_set_tags(w, &tags, !compiled);
	return true;
}

void wheel_set_tags(struct wheel *w, struct strv *tags, bool purelib)
{
	char *wp = xasprintf("%s/WHEEL", w->dist_info);
	struct wheel_file *wf = wheel_find(w, wp);
	free(wp);
	struct buf out = {0};
	bool put_tags = false, put_pure = false;
	const char *p = (const char *)wf->data, *end = p + wf->size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t tl = len && p[len - 1] == '\r' ? len - 1 : len;
		if (tl >= 4 && strncasecmp(p, "Tag:", 4) == 0) {
			for (size_t i = 0; !put_tags && i < tags->n; i++)
				buf_printf(&out, "Tag: %s\n", tags->v[i]);
			put_tags = true;
		} else if (tl >= 16 && strncasecmp(p, "Root-Is-Purelib:", 16) == 0) {
			buf_printf(&out, "Root-Is-Purelib: %s\n", purelib ? "true" : "false");
			put_pure = true;
		} else if (tl == 0 && !(put_tags && put_pure)) {
			if (!put_pure)
				buf_printf(&out, "Root-Is-Purelib: %s\n", purelib ? "true" : "false");
			for (size_t i = 0; !put_tags && i < tags->n; i++)
				buf_printf(&out, "Tag: %s\n", tags->v[i]);
			put_tags = put_pure = true;
			buf_add(&out, p, tl);
			buf_putc(&out, '\n');
		} else {
			buf_add(&out, p, tl);
			buf_putc(&out, '\n');
		}
		p += len + (nl ? 1 : 0);
	}
	if (!put_pure)
		buf_printf(&out, "Root-Is-Purelib: %s\n", purelib ? "true" : "false");
	for (size_t i = 0; !put_tags && i < tags->n; i++)
		buf_printf(&out, "Tag: %s\n", tags->v[i]);
	free(wf->data);
	wf->size = out.len;
	wf->data = (unsigned char *)buf_take(&out);
	strv_free(&w->meta.tags);
	w->meta.tags = *tags;
	*tags = (struct strv){0};
	w->meta.root_is_purelib = purelib;
}

static void join_unique(struct buf *b, const struct strv *tags, int part)
{
	struct strv seen = {0};
	for (size_t i = 0; i < tags->n; i++) {
		const char *s = tags->v[i];
		for (int k = 0; k < part && s; k++) {
			s = strchr(s, '-');
			if (s)
				s++;
		}
		if (!s)
			continue;
		char *v = xstrndup(s, part < 2 ? strcspn(s, "-") : strlen(s));
		if (strv_has(&seen, v)) {
			free(v);
			continue;
		}
		if (seen.n)
			buf_putc(b, '.');
		buf_puts(b, v);
		strv_push(&seen, v);
	}
	strv_free(&seen);
}

char *wheel_tag_string(const struct wheel *w)
{
	if (w->meta.tags.n == 1)
		return xstrdup(w->meta.tags.v[0]);
	struct buf b = {0};
	for (int part = 0; part < 3; part++) {
		if (part)
			buf_putc(&b, '-');
		join_unique(&b, &w->meta.tags, part);
	}
	return buf_take(&b);
}

/* the distribution part of file names: as in the dist-info directory's name */
static char *dist_part(const struct wheel *w)
{
	size_t n = strcspn(w->dist_info, "-");
	if (w->dist_info[n] == '-')
		return xstrndup(w->dist_info, n);
	char *norm = recipe_normalize(w->meta.name);
	for (char *p = norm; *p; p++)
		if (*p == '-')
			*p = '_';
	return norm;
}

char *wheel_file_name(const struct wheel *w)
{
	char *dist = dist_part(w), *tags = wheel_tag_string(w);
	char *v = xstrdup(w->meta.version);
	for (char *p = v; *p; p++)
		if (*p == '-')
			*p = '_';
	char *name = xasprintf("%s-%s-%s.whl", dist, v, tags);
	free(dist);
	free(tags);
	free(v);
	return name;
}

static bool is_test_path(const char *name)
{
	for (const char *c = name;;) {
		const char *slash = strchr(c, '/');
		if (!slash)
			break;
		size_t len = (size_t)(slash - c);
		if ((len == 4 && memcmp(c, "test", 4) == 0) || (len == 5 && memcmp(c, "tests", 5) == 0))
			return true;
		c = slash + 1;
	}
	const char *base = path_basename(name);
	return fnmatch("test_*.py", base, 0) == 0 || fnmatch("*_test.py", base, 0) == 0 ||
		strcmp(base, "conftest.py") == 0;
}

size_t wheel_unvendor_tests(struct wheel *w, struct wheel *tests, const struct strv *retain)
{
	size_t moved = 0;
	for (size_t i = 0; i < w->n;) {
		const char *name = w->files[i].name;
		const char *top_end = strchr(name, '/');
		bool skip = in_dist_info(w, name) || !is_test_path(name) ||
			(top_end && top_end - name > 5 && memcmp(top_end - 5, ".data", 5) == 0);
		for (size_t k = 0; !skip && retain && k < retain->n; k++)
			skip = fnmatch(retain->v[k], path_basename(name), 0) == 0 ||
				fnmatch(retain->v[k], name, 0) == 0;
		if (skip) {
			i++;
			continue;
		}
		struct wheel_file f;
		take_file(w, i, &f);
		put_owned(tests, f.name, f.data, f.size, f.exec);
		moved++;
	}
	return moved;
}

bool wheel_vendor_libs(struct wheel *w, const struct strv *libs)
{
	char *dist = dist_part(w);
	bool ok = true;
	for (size_t i = 0; ok && i < libs->n; i++) {
		size_t len;
		char *data = read_file(libs->v[i], &len);
		if (!data) {
			log_err("%s: cannot vendor: %s", libs->v[i], strerror(errno));
			ok = false;
			break;
		}
		char *name = xasprintf("%s.libs/%s", dist, path_basename(libs->v[i]));
		put_owned(w, name, (unsigned char *)data, len, true);
	}
	free(dist);
	return ok;
}

void wheel_needed_libs(const struct wheel *w, struct strv *needed)
{
	struct strv all = {0};
	for (size_t i = 0; i < w->n; i++)
		if (is_shared_object(w->files[i].name))
			wasm_needed(w->files[i].data, w->files[i].size, &all);
	for (size_t i = 0; i < all.n; i++) {
		bool held = false;
		for (size_t k = 0; k < w->n && !held; k++)
			held = strcmp(path_basename(w->files[k].name), all.v[i]) == 0;
		if (!held && !strv_has(needed, all.v[i]))
			strv_add(needed, all.v[i]);
	}
	strv_free(&all);
	if (needed->n)
		qsort(needed->v, needed->n, sizeof(char *), cmp_str);
}

bool wheel_vendor_needed(struct wheel *w, const struct strv *dirs)
{
	struct strv missing = {0};
	bool ok = true;
	for (int round = 0; ok && round < 64; round++) {
		struct strv needed = {0}, found = {0};
		wheel_needed_libs(w, &needed);
		for (size_t i = 0; i < needed.n; i++) {
			char *path = NULL;
			for (size_t d = 0; d < dirs->n && !path; d++) {
				path = path_join(dirs->v[d], needed.v[i]);
				if (!path_is_file(path)) {
					free(path);
					path = NULL;
				}
			}
			if (path)
				strv_push(&found, path);
			else if (!strv_has(&missing, needed.v[i]))
				strv_add(&missing, needed.v[i]);
		}
		size_t n = found.n;
		ok = wheel_vendor_libs(w, &found);
		strv_free(&needed);
		strv_free(&found);
		if (n == 0)
			break;
	}
	for (size_t i = 0; i < missing.n; i++)
		log_debug("%s: %s is not vendored (not found in the library directories)", w->origin,
			missing.v[i]);
	strv_free(&missing);
	return ok;
}

/* ---- writing ---- */

int64_t wheel_epoch(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (!s || !*s)
		return DOS_EPOCH;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		log_warn("SOURCE_DATE_EPOCH='%s' is not a number of seconds; using 1980-01-01", s);
		return DOS_EPOCH;
	}
	/* zip's DOS timestamps cover 1980..2107 */
	if (v < DOS_EPOCH)
		return DOS_EPOCH;
	if (v > 4354819198LL)
		return 4354819198LL;
	return v;
}

/* write order: the package's files, then the dist-info, RECORD last */
static int file_rank(const struct wheel *w, const char *name)
{
	if (!w->dist_info || !in_dist_info(w, name))
		return 0;
	return strcmp(name + strlen(w->dist_info) + 1, "RECORD") == 0 ? 2 : 1;
}

static const struct wheel *sort_ctx;

static int cmp_files(const void *a, const void *b)
{
	const struct wheel_file *x = a, *y = b;
	int rx = file_rank(sort_ctx, x->name), ry = file_rank(sort_ctx, y->name);
	if (rx != ry)
		return rx - ry;
	return strcmp(x->name, y->name);
}

static void sort_files(struct wheel *w)
{
	sort_ctx = w;
	if (w->n)
		qsort(w->files, w->n, sizeof(*w->files), cmp_files);
	sort_ctx = NULL;
}

static void csv_put(struct buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void fresh_record(struct wheel *w)
{
	char *rp = record_path(w);
	char *jws = xasprintf("%s.jws", rp), *p7s = xasprintf("%s.p7s", rp);
	wheel_remove(w, rp);
	wheel_remove(w, jws); /* signatures of the old RECORD are void now */
	wheel_remove(w, p7s);
	sort_files(w);
	struct buf b = {0};
	for (size_t i = 0; i < w->n; i++) {
		char *h = hash_record("sha256", w->files[i].data, w->files[i].size);
		csv_put(&b, w->files[i].name);
		buf_printf(&b, ",%s,%zu\n", h, w->files[i].size);
		free(h);
	}
	csv_put(&b, rp);
	buf_puts(&b, ",,\n");
	size_t len = b.len;
	put_owned(w, rp, (unsigned char *)buf_take(&b), len, false);
	free(jws);
	free(p7s);
}

/* DOS times in zip headers are local time: pin the zone while writing */
struct tz_save {
	char *tz;
	bool had;
};

static void tz_utc(struct tz_save *s)
{
	const char *tz = getenv("TZ");
	s->had = tz != NULL;
	s->tz = tz ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void tz_restore(struct tz_save *s)
{
	if (s->had)
		setenv("TZ", s->tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->tz);
}

static bool write_archive(const struct wheel *w, const char *out_path, bool zip)
{
	char *tmp = xasprintf("%s.tmp.%ld", out_path, (long)getpid());
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int64_t epoch = wheel_epoch();
	struct tz_save tz;
	bool ok = false;
	tz_utc(&tz);
	if (zip) {
		archive_write_set_format_zip(a);
		archive_write_set_options(a, "zip:compression=deflate");
	} else {
		archive_write_set_format_pax_restricted(a);
	}
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		log_err("%s: %s", tmp, arc_write_error(a));
		goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct wheel_file *f = &w->files[i];
		archive_entry_clear(e);
		archive_entry_set_pathname(e, f->name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, f->exec ? 0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)f->size);
		archive_entry_set_mtime(e, (time_t)epoch, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
			(f->size && archive_write_data(a, f->data, f->size) != (la_ssize_t)f->size)) {
			log_err("%s: %s: %s", out_path, f->name, arc_write_error(a));
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		log_err("%s: %s", out_path, arc_write_error(a));
		goto out;
	}
	if (rename(tmp, out_path) != 0) {
		log_err("%s: %s", out_path, strerror(errno));
		goto out;
	}
	ok = true;
out:
	tz_restore(&tz);
	archive_entry_free(e);
	archive_write_free(a);
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}

bool wheel_write(struct wheel *w, const char *out_path)
{
	fresh_record(w);
	return write_archive(w, out_path, true);
}

/* a sorted shallow copy, written without RECORD */
static bool write_plain(const struct wheel *w, const char *out_path, bool zip)
{
	struct wheel copy = *w;
	copy.files = xmalloc((w->n ? w->n : 1) * sizeof(*w->files));
	if (w->n)
		memcpy(copy.files, w->files, w->n * sizeof(*w->files));
	copy.dist_info = NULL;
	sort_files(&copy);
	bool ok = write_archive(&copy, out_path, zip);
	free(copy.files);
	return ok;
}

bool wheel_write_zip(const struct wheel *w, const char *out_path)
{
	return write_plain(w, out_path, true);
}

bool wheel_write_tar(const struct wheel *w, const char *out_path)
{
	return write_plain(w, out_path, false);
}

struct plain_walk {
	const char *path;
	size_t files;
};

/* one entry of an archive the runtime unpacks as it is */
static enum arc_step check_plain_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct plain_walk *pw = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name)
		name = "";
	if (str_startswith(name, "./"))
		name += 2;
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFDIR && (!*name || strcmp(name, ".") == 0 || strcmp(name, "./") == 0))
		return ARC_NEXT;
	char *trimmed = xstrdup(name);
	if (type == AE_IFDIR && str_endswith(trimmed, "/"))
		trimmed[strlen(trimmed) - 1] = '\0';
	bool good = member_name_ok(trimmed) && (type == AE_IFREG || type == AE_IFDIR);
	free(trimmed);
	if (!good) {
		log_err("%s: %s: not a plain file with a safe name", pw->path, name);
		return ARC_FAIL;
	}
	pw->files += type == AE_IFREG;
	return ARC_NEXT;
}

bool wheel_check_plain(const char *path)
{
	struct plain_walk pw = {.path = path};
	struct arc_source src = {.path = path, .formats = ARC_TAR_PLAIN | ARC_ZIP_INDEX,
		.warnings_fail = true, .short_errors = true};
	if (!arc_each(&src, check_plain_entry, &pw))
		return false;
	if (pw.files == 0) {
		log_err("%s: empty archive", path);
		return false;
	}
	return true;
}

bool wheel_unpack(const struct wheel *w, const char *dir)
{
	if (!mkdir_p(dir, 0755)) {
		log_err("%s: %s", dir, strerror(errno));
		return false;
	}
	struct archive *a = archive_write_disk_new();
	struct archive_entry *e = archive_entry_new();
	bool ok = false;
	archive_write_disk_set_options(a, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_PERM);
	for (size_t i = 0; i < w->n; i++) {
		const struct wheel_file *f = &w->files[i];
		if (!member_name_ok(f->name)) {
			log_err("%s: unsafe member name '%s'", w->origin, f->name);
			goto out;
		}
		char *path = path_join(dir, f->name);
		archive_entry_clear(e);
		archive_entry_set_pathname(e, path);
		free(path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, f->exec ? 0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)f->size);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
			(f->size && archive_write_data(a, f->data, f->size) != (la_ssize_t)f->size) ||
			archive_write_finish_entry(a) != ARCHIVE_OK) {
			log_err("%s: %s: %s", dir, f->name, arc_write_error(a));
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		log_err("%s: %s", dir, arc_write_error(a));
		goto out;
	}
	ok = true;
out:
	archive_entry_free(e);
	archive_write_free(a);
	return ok;
}

/* ---- post-processing ---- */

char *wheel_find_one(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		log_err("%s: %s", dir, strerror(errno));
		return NULL;
	}
	struct strv found = {0};
	for (struct dirent *de; (de = readdir(d));)
		if (str_endswith(de->d_name, ".whl") && de->d_name[0] != '.')
			strv_add(&found, de->d_name);
	closedir(d);
	char *res = NULL;
	if (found.n == 0) {
		log_err("%s: the build produced no wheel", dir);
	} else if (found.n > 1) {
		qsort(found.v, found.n, sizeof(char *), cmp_str);
		struct buf b = {0};
		for (size_t i = 0; i < found.n; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", found.v[i]);
		log_err("%s: expected one wheel, found %zu: %s", dir, found.n, b.s);
		buf_free(&b);
	} else {
		res = path_join(dir, found.v[0]);
	}
	strv_free(&found);
	return res;
}

/* versions equal up to case, a leading 'v' and trailing ".0" release parts */
static char *version_key(const char *v)
{
	if (*v == 'v' || *v == 'V')
		v++;
	size_t rel = strspn(v, "0123456789.");
	char *head = xstrndup(v, rel);
	while (str_endswith(head, ".0") || str_endswith(head, "."))
		head[strlen(head) - (str_endswith(head, ".") ? 1 : 2)] = '\0';
	char *key = xasprintf("%s%s", head, v + rel);
	free(head);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

static bool version_same(const char *a, const char *b)
{
	char *ka = version_key(a), *kb = version_key(b);
	bool same = strcmp(ka, kb) == 0;
	free(ka);
	free(kb);
	return same;
}

void wheel_post_result_free(struct wheel_post_result *r)
{
	free(r->wheel_path);
	free(r->tests_path);
	wheel_free(r->wheel);
	*r = (struct wheel_post_result){0};
}

bool wheel_postprocess(const char *build_dir, const struct wheel_post_opts *o,
	struct wheel_post_result *r)
{
	*r = (struct wheel_post_result){0};
	char *built = wheel_find_one(build_dir);
	char *unpacked = path_join(o->work_dir, "wheel");
	struct wheel *w = NULL, *tests = NULL;
	char *name = NULL;
	bool ok = false;
	if (!built || !(w = wheel_check(built)))
		goto out;
	if (o->version && !version_same(w->meta.version, o->version)) {
		log_err("%s: the wheel's version %s differs from the recipe's version %s", built,
			w->meta.version, o->version);
		goto out;
	}
	if (o->target->host_ext_suffix && o->target->target_ext_suffix)
		wheel_rename_suffix(w, o->target->host_ext_suffix, o->target->target_ext_suffix);
	if (!remove_tree(unpacked)) {
		log_err("%s: cannot remove: %s", unpacked, strerror(errno));
		goto out;
	}
	if (!wheel_unpack(w, unpacked))
		goto out;
	wheel_free(w);
	w = NULL;
	if (o->post && !o->post(unpacked, o->post_ctx)) {
		log_err("%s: the post step failed", o->name ? o->name : built);
		goto out;
	}
	if (!(w = wheel_read_dir(unpacked)))
		goto out;
	if (o->vendor_libs && !wheel_vendor_libs(w, o->vendor_libs))
		goto out;
	if (o->lib_dirs && !wheel_vendor_needed(w, o->lib_dirs))
		goto out;
	if (!wheel_check_wasm(w) || !wheel_retag(w, o->target))
		goto out;
	if (!mkdir_p(o->dist_dir, 0755)) {
		log_err("%s: %s", o->dist_dir, strerror(errno));
		goto out;
	}
	if (o->unvendor_tests) {
		tests = wheel_new(o->name);
		if (wheel_unvendor_tests(w, tests, o->retain_test_patterns) > 0) {
			char *tn = xasprintf("%s-tests.tar", o->name);
			r->tests_path = path_join(o->dist_dir, tn);
			free(tn);
			if (!wheel_write_tar(tests, r->tests_path))
				goto out;
		}
	}
	name = wheel_file_name(w);
	r->wheel_path = path_join(o->dist_dir, name);
	if (!wheel_write(w, r->wheel_path))
		goto out;
	r->compiled = wheel_has_compiled_modules(w);
	free(w->origin);
	w->origin = xstrdup(r->wheel_path);
	r->wheel = w;
	w = NULL;
	ok = true;
out:
	if (!ok)
		wheel_post_result_free(r);
	wheel_free(w);
	wheel_free(tests);
	free(name);
	free(built);
	free(unpacked);
	return ok;
}

/* a tag the target runtime can install: *-none-any, or the target's platform */
static bool tag_suits(const char *tag, const struct wheel_target *t)
{
	const char *plat = strrchr(tag, '-');
	return plat && (strcmp(plat + 1, "any") == 0 || strcmp(plat + 1, t->platform_tag) == 0);
}

bool wheel_pass_through(const char *path, const struct wheel_target *t, const char *dist_dir,
	struct wheel_post_result *r)
{
	*r = (struct wheel_post_result){0};
	struct wheel *w = wheel_check(path);
	char *data = NULL;
	bool ok = false, suits = false;
	size_t len;
	if (!w)
		goto out;
	for (size_t i = 0; i < w->meta.tags.n && !suits; i++)
		suits = tag_suits(w->meta.tags.v[i], t);
	if (!suits) {
		char *tags = wheel_tag_string(w);
		log_err("%s: tagged %s, which the target (%s) cannot install", path, tags,
			t->platform_tag);
		free(tags);
		goto out;
	}
	if (!wheel_check_wasm(w))
		goto out;
	if (!mkdir_p(dist_dir, 0755)) {
		log_err("%s: %s", dist_dir, strerror(errno));
		goto out;
	}
	r->wheel_path = path_join(dist_dir, path_basename(path));
	if (!(data = read_file(path, &len)) || !write_file_atomic(r->wheel_path, data, len)) {
		log_err("%s: %s", data ? r->wheel_path : path, strerror(errno));
		goto out;
	}
	r->compiled = wheel_has_compiled_modules(w);
	free(w->origin);
	w->origin = xstrdup(r->wheel_path);
	r->wheel = w;
	w = NULL;
	ok = true;
out:
	free(data);
	wheel_free(w);
	if (!ok)
		wheel_post_result_free(r);
	return ok;
}

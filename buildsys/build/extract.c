#include "build/extract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"

/* what an archive path is, as far as the archive has said so far */
enum node_type {
	NODE_DIR,
	NODE_FILE,
	NODE_LINK,
};

struct node {
	char *path; /* NULL: empty slot */
	enum node_type type;
	char *target; /* symlink target */
};

/* open-addressing set of every path the archive created, explicitly or as a parent */
struct nodes {
	struct node *v;
	size_t cap, n;
};

struct unpack {
	const char *archive;
	const struct extract_limits *lim;
	struct nodes nodes;
	uint64_t archive_size, declared, written;
	size_t entries;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct node *nodes_slot(struct nodes *ns, const char *path)
{
	size_t i = (size_t)hash_str(path) & (ns->cap - 1);
	while (ns->v[i].path && strcmp(ns->v[i].path, path) != 0)
		i = (i + 1) & (ns->cap - 1);
	return &ns->v[i];
}

static struct node *nodes_get(struct nodes *ns, const char *path)
{
	if (!ns->cap)
		return NULL;
	struct node *n = nodes_slot(ns, path);
	return n->path ? n : NULL;
}

static struct node *nodes_add(struct nodes *ns, const char *path, enum node_type t)
{
	if (2 * (ns->n + 1) > ns->cap) {
		struct nodes bigger = {.cap = ns->cap ? 2 * ns->cap : 256};
		bigger.v = xcalloc(bigger.cap, sizeof(*bigger.v));
		for (size_t i = 0; i < ns->cap; i++)
			if (ns->v[i].path)
				*nodes_slot(&bigger, ns->v[i].path) = ns->v[i];
		bigger.n = ns->n;
		free(ns->v);
		*ns = bigger;
	}
	struct node *n = nodes_slot(ns, path);
	n->path = xstrdup(path);
	n->type = t;
	n->target = NULL;
	ns->n++;
	return n;
}

static void nodes_free(struct nodes *ns)
{
	for (size_t i = 0; i < ns->cap; i++) {
		free(ns->v[i].path);
		free(ns->v[i].target);
	}
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n;
		uint32_t cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* "./a//b/" -> "a/b"; NULL with *why set when the name is absolute or has a ".." */
static char *normalize(const char *name, const char **why)
{
	if (name[0] == '/') {
		*why = "is an absolute path";
		return NULL;
	}
	struct buf b = {0};
	const char *p = name;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			buf_free(&b);
			*why = "contains a '..' component";
			return NULL;
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (b.len)
				buf_putc(&b, '/');
			buf_add(&b, p, len);
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return buf_take(&b);
}

/* resolve target (relative to the directory held in stack) through the symlinks of the
 * archive; false when it leads out of the tree */
static bool resolve_inside(struct nodes *ns, struct buf *stack, const char *target, int depth)
{
	if (target[0] == '/' || depth > 40)
		return false;
	const char *p = target;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (stack->len == 0)
				return false;
			char *slash = strrchr(stack->s, '/');
			stack->len = slash ? (size_t)(slash - stack->s) : 0;
			stack->s[stack->len] = '\0';
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			size_t before = stack->len;
			if (stack->len)
				buf_putc(stack, '/');
			buf_add(stack, p, len);
			struct node *n = nodes_get(ns, stack->s);
			if (n && n->type == NODE_LINK) {
				char *t = xstrdup(n->target);
				stack->len = before;
				stack->s[before] = '\0';
				bool ok = resolve_inside(ns, stack, t, depth + 1);
				free(t);
				if (!ok)
					return false;
			}
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return true;
}

static bool symlink_inside(struct nodes *ns, const char *path, const char *target)
{
	struct buf stack = {0};
	char *dir = path_dirname(path);
	buf_puts(&stack, strcmp(dir, ".") == 0 ? "" : dir);
	free(dir);
	bool ok = target[0] != '\0' && resolve_inside(ns, &stack, target, 0);
	buf_free(&stack);
	return ok;
}

static const char *type_name(enum node_type t)
{
	return t == NODE_DIR ? "directory" : t == NODE_FILE ? "file" : "symlink";
}

/* record path in the tree and return its node; every parent must be a directory (never a
 * symlink or a file) */
static struct node *claim(struct unpack *u, const char *entry, const char *path,
			  enum node_type t)
{
	char *tmp = xstrdup(path);
	struct node *ok = NULL;
	for (char *s = strchr(tmp, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		struct node *n = nodes_get(&u->nodes, tmp);
		if (!n) {
			nodes_add(&u->nodes, tmp, NODE_DIR);
		} else if (n->type != NODE_DIR) {
			log_err("%s: entry '%s' would be written through the %s '%s'", u->archive,
				entry, type_name(n->type), tmp);
			goto out;
		}
		*s = '/';
	}
	struct node *n = nodes_get(&u->nodes, path);
	if (n && (n->type != NODE_DIR || t != NODE_DIR)) {
		log_err("%s: duplicate entry '%s' (already a %s)", u->archive, entry,
			type_name(n->type));
		goto out;
	}
	ok = n ? n : nodes_add(&u->nodes, path, t);
out:
	free(tmp);
	return ok;
}

/* every check of one entry before anything of it is written; rewrites its names */
static bool check_entry(struct unpack *u, struct archive_entry *e, bool *skip)
{
	const struct extract_limits *lim = u->lim;
	/* the _utf8 forms when the names cannot be converted to the C locale */
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	const char *why = NULL;
	char *path = NULL, *link = NULL;
	bool ok = false;
	*skip = false;
	if (!raw || !raw[0]) {
		log_err("%s: entry without a name, or whose name is not valid UTF-8", u->archive);
		return false;
	}
	bool utf8 = valid_utf8(raw), control = false;
	for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
		control |= *p < 0x20 || *p == 0x7f;
	if (!utf8 || control) {
		struct buf esc = {0};
		for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
			if (*p >= 0x20 && *p < 0x7f)
				buf_putc(&esc, (char)*p);
			else
				buf_printf(&esc, "\\x%02x", *p);
		log_err("%s: entry '%s': name %s", u->archive, esc.s,
			utf8 ? "contains control characters" : "is not valid UTF-8");
		buf_free(&esc);
		return false;
	}
	if (++u->entries > lim->max_entries) {
		log_err("%s: entry '%s': more than %zu entries", u->archive, raw, lim->max_entries);
		return false;
	}
	path = normalize(raw, &why);
	if (!path) {
		log_err("%s: entry '%s' %s; refusing to write outside the destination", u->archive,
			raw, why);
		return false;
	}
	mode_t type = archive_entry_filetype(e);
	const char *hard = archive_entry_hardlink(e);
	if (!hard)
		hard = archive_entry_hardlink_utf8(e);
	if (!path[0]) {
		if (type != AE_IFDIR || hard) {
			log_err("%s: entry '%s' has no file name", u->archive, raw);
			goto out;
		}
		*skip = true;
		ok = true;
		goto out;
	}
	if (hard) {
		link = normalize(hard, &why);
		if (!link) {
			log_err("%s: hard link '%s' points to '%s', which %s", u->archive, raw, hard, why);
			goto out;
		}
		struct node *n = nodes_get(&u->nodes, link);
		if (!n || n->type != NODE_FILE) {
			log_err("%s: hard link '%s' points to '%s', which is not a file extracted "
				"before it", u->archive, raw, hard);
			goto out;
		}
		if (!claim(u, raw, path, NODE_FILE))
			goto out;
		archive_entry_set_hardlink(e, link);
	} else if (type == AE_IFREG) {
		if (!claim(u, raw, path, NODE_FILE))
			goto out;
	} else if (type == AE_IFDIR) {
		if (!claim(u, raw, path, NODE_DIR))
			goto out;
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);
		if (!target)
			target = archive_entry_symlink_utf8(e);
		if (!target || !symlink_inside(&u->nodes, path, target)) {
			log_err("%s: symlink '%s' points to '%s', outside the destination", u->archive,
				raw, target ? target : "");
			goto out;
		}
		struct node *n = claim(u, raw, path, NODE_LINK);
		if (!n)
			goto out;
		n->target = xstrdup(target);
	} else {
		const char *what = type == AE_IFCHR ? "a character device" :
				   type == AE_IFBLK ? "a block device" :
				   type == AE_IFIFO ? "a FIFO" :
				   type == AE_IFSOCK ? "a socket" : "of an unknown type";
		log_err("%s: entry '%s' is %s; only files, directories and links are allowed",
			u->archive, raw, what);
		goto out;
	}
	if (archive_entry_size_is_set(e) && !hard) {
		int64_t size = archive_entry_size(e);
		uint64_t sz = size > 0 ? (uint64_t)size : 0;
		if (sz > lim->max_entry_size) {
			log_err("%s: entry '%s' declares %" PRIu64 " bytes (limit %" PRIu64 ")",
				u->archive, raw, sz, lim->max_entry_size);
			goto out;
		}
		u->declared += sz;
		if (u->declared > lim->max_total_size) {
			log_err("%s: entry '%s': the archive declares more than %" PRIu64
				" bytes in all", u->archive, raw, lim->max_total_size);
			goto out;
		}
		if (u->declared > lim->ratio_floor &&
		    u->declared / lim->max_ratio > u->archive_size) {
			log_err("%s: entry '%s': %" PRIu64 " bytes declared from a %" PRIu64
				"-byte archive (over %ux): refusing a decompression bomb",
				u->archive, raw, u->declared, u->archive_size, lim->max_ratio);
			goto out;
		}
	}
	archive_entry_set_pathname(e, path);
	mode_t perm = archive_entry_perm(e) & 0777;
	archive_entry_set_perm(e, perm | (type == AE_IFDIR ? 0700 : 0600));
	ok = true;
out:
	free(path);
	free(link);
	return ok;
}

static bool copy_data(struct unpack *u, struct archive *in, struct archive *out,
		      struct archive_entry *e, const char *name)
{
	uint64_t entry_bytes = 0;
	bool sized = archive_entry_size_is_set(e);
	uint64_t declared = sized && archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(in, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return true;
		if (r < ARCHIVE_WARN) {
			log_err("%s: entry '%s': %s", u->archive, name, archive_error_string(in));
			return false;
		}
		entry_bytes += size;
		u->written += size;
		if (sized && entry_bytes > declared) {
			log_err("%s: entry '%s' unpacks to more than the %" PRIu64 " bytes it declares",
				u->archive, name, declared);
			return false;
		}
		if (entry_bytes > u->lim->max_entry_size || u->written > u->lim->max_total_size) {
			log_err("%s: entry '%s' unpacks to more than its limit (%" PRIu64
				" bytes in the entry, %" PRIu64 " in all)", u->archive, name,
				entry_bytes, u->written);
			return false;
		}
		if (u->written > u->lim->ratio_floor &&
		    u->written / u->lim->max_ratio > u->archive_size) {
			log_err("%s: entry '%s': %" PRIu64 " bytes unpacked from a %" PRIu64
				"-byte archive (over %ux): refusing a decompression bomb", u->archive,
				name, u->written, u->archive_size, u->lim->max_ratio);
			return false;
		}
		if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK) {
			/* a failed write(2), ENOSPC included, is only ARCHIVE_WARN */
			log_err("%s: entry '%s': %s", u->archive, name, arc_write_error(out));
			return false;
		}
	}
}

/* a final pass once every symlink is known: none may lead out through a later one */
static bool check_symlinks(struct unpack *u)
{
	for (size_t i = 0; i < u->nodes.cap; i++) {
		struct node *n = &u->nodes.v[i];
		if (n->path && n->type == NODE_LINK && !symlink_inside(&u->nodes, n->path, n->target)) {
			log_err("%s: symlink '%s' points to '%s', which leads outside the destination "
				"through other symlinks", u->archive, n->path, n->target);
			return false;
		}
	}
	return true;
}

static void remove_temp(const char *p)
{
	if (!remove_tree(p))
		log_warn("cannot remove %s: %s", p, strerror(errno));
}

/* unpack into dir, an existing empty directory */
static bool unpack_into(const char *archive, const char *dir, const struct extract_limits *lim)
{
	struct extract_limits l = lim ? *lim : (struct extract_limits){0};
	if (!l.max_entry_size)
		l.max_entry_size = UINT64_C(4) << 30;
	if (!l.max_total_size)
		l.max_total_size = UINT64_C(16) << 30;
	if (!l.max_ratio)
		l.max_ratio = 200;
	if (!l.ratio_floor)
		l.ratio_floor = UINT64_C(256) << 20;
	if (!l.max_entries)
		l.max_entries = 1000000;
	struct unpack u = {.archive = archive, .lim = &l};
	struct stat st;
	if (stat(archive, &st) != 0) {
		log_err("%s: %s", archive, strerror(errno));
		return false;
	}
	u.archive_size = st.st_size > 0 ? (uint64_t)st.st_size : 1;

	/* names are UTF-8 whatever the process locale; uselocale() is per thread */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
	bool ok = false;
	int cwd = -1;
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_format_zip(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
						    ARCHIVE_EXTRACT_TIME);
	if (archive_read_open_filename(in, archive, 65536) != ARCHIVE_OK) {
		log_err("%s: cannot read the archive: %s", archive, archive_error_string(in));
		goto out;
	}
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(dir) != 0) {
		log_err("cannot enter %s: %s", dir, strerror(errno));
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			log_err("%s: %s", archive, archive_error_string(in));
			goto out;
		}
		const char *raw = archive_entry_pathname(e);
		if (!raw)
			raw = archive_entry_pathname_utf8(e);
		char *name = xstrdup(raw ? raw : "");
		bool skip;
		bool good = check_entry(&u, e, &skip);
		if (good && !skip) {
			if (archive_write_header(out, e) < ARCHIVE_WARN) {
				log_err("%s: entry '%s': %s", archive, name, arc_write_error(out));
				good = false;
			} else if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e) &&
				   !copy_data(&u, in, out, e, name)) {
				good = false;
			} else if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
				log_err("%s: entry '%s': %s", archive, name, arc_write_error(out));
				good = false;
			}
		}
		free(name);
		if (!good)
			goto out;
	}
	if (!check_symlinks(&u))
		goto out;
	if (archive_write_close(out) != ARCHIVE_OK) {
		log_err("%s: %s", archive, arc_write_error(out));
		goto out;
	}
	ok = true;
out:
	if (cwd >= 0) {
		if (fchdir(cwd) != 0)
			log_err("cannot return to the working directory: %s", strerror(errno));
		close(cwd);
	}
	archive_read_free(in);
	archive_write_free(out);
	nodes_free(&u.nodes);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return ok;
}

/* a new empty directory next to dest, for building dest in */
static char *make_temp_beside(const char *dest)
{
	char *parent = path_dirname(dest);
	if (!mkdir_p(parent, 0755)) {
		log_err("cannot create %s: %s", parent, strerror(errno));
		free(parent);
		return NULL;
	}
	char *tmp = xasprintf("%s/.kiln-extract-XXXXXX", parent);
	free(parent);
	if (!mkdtemp(tmp)) {
		log_err("cannot create a temporary directory beside %s: %s", dest, strerror(errno));
		free(tmp);
		return NULL;
	}
	return tmp;
}

bool extract_archive(const char *archive, const char *destdir, const struct extract_limits *lim)
{
	if (path_exists(destdir)) {
		log_err("cannot extract %s: %s already exists", archive, destdir);
		return false;
	}
	char *tmp = make_temp_beside(destdir);
	if (!tmp)
		return false;
	bool ok = unpack_into(archive, tmp, lim);
	if (ok && rename(tmp, destdir) != 0) {
		log_err("cannot rename %s to %s: %s", tmp, destdir, strerror(errno));
		ok = false;
	}
	if (!ok)
		remove_temp(tmp);
	free(tmp);
	return ok;
}

char *extract_archive_stem(const char *archive)
{
	static const char *const exts[] = {
		".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz", ".tar.lzma", ".tar.Z",
		".tgz", ".tbz2", ".tbz", ".txz", ".tar", ".zip",
	};
	const char *base = path_basename(archive);
	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_endswith(base, exts[i]) && strlen(base) > strlen(exts[i]))
			return xstrndup(base, strlen(base) - strlen(exts[i]));
	return xstrdup(base);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the top level of dir as "a/, b, c/" for messages; *only_dir set when it is one directory */
static char *list_top(const char *dir, char **only_dir)
{
	struct strv names = {0};
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			strv_add(&names, e->d_name);
	if (d)
		closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	struct buf b = {0};
	*only_dir = NULL;
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(dir, names.v[i]);
		struct stat st;
		bool isdir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
		if (names.n == 1 && isdir)
			*only_dir = xstrdup(names.v[i]);
		buf_printf(&b, "%s%s%s", i ? ", " : "", names.v[i], isdir ? "/" : "");
		free(p);
	}
	if (!names.n)
		buf_puts(&b, "nothing");
	strv_free(&names);
	return buf_take(&b);
}

/* the directory of the unpacked tree tmp that becomes the source tree */
static char *pick_top(const char *archive, const char *tmp, const char *extract_dir)
{
	char *only = NULL, *listing = NULL, *top = NULL;
	if (extract_dir && strcmp(extract_dir, ".") == 0)
		return xstrdup(tmp);
	if (extract_dir) {
		const char *why = NULL;
		char *norm = normalize(extract_dir, &why);
		if (!norm || !norm[0]) {
			log_err("%s: extract_dir '%s' %s", archive, extract_dir,
				why ? why : "is empty");
			free(norm);
			return NULL;
		}
		char *p = path_join(tmp, norm);
		free(norm);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return p;
		free(p);
		listing = list_top(tmp, &only);
		log_err("%s: extract_dir '%s' is not a directory in the archive; its top level "
			"holds: %s", archive, extract_dir, listing);
		goto out;
	}
	char *stem = extract_archive_stem(archive);
	char *p = path_join(tmp, stem);
	struct stat st;
	if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(stem);
		return p;
	}
	free(p);
	listing = list_top(tmp, &only);
	if (only)
		top = path_join(tmp, only);
	else
		log_err("%s: no top directory '%s' and not a single directory at the top (it holds: "
			"%s); set source.extract_dir", archive, stem, listing);
	free(stem);
out:
	free(only);
	free(listing);
	return top;
}

/* patch's output, read back from its log file */
static char *read_log(FILE *f)
{
	struct buf b = {0};
	char chunk[4096];
	size_t r;
	rewind(f);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, r);
	return buf_take(&b);
}

static bool apply_patch(const char *srcdir, const char *name, const char *path)
{
	FILE *log = tmpfile();
	if (!log) {
		log_err("cannot create a log file for patch %s: %s", name, strerror(errno));
		return false;
	}
	const char *argv[] = {"patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch",
			      "-i", path, NULL};
	struct proc_opts po = {.cwd = srcdir, .out_fd = fileno(log)};
	int status = 0;
	bool ok = proc_run(argv, &po, &status);
	if (ok && status != 0) {
		char *out = read_log(log), *how = proc_describe(status);
		struct buf msg = {0};
		buf_printf(&msg, "patch %s does not apply to %s (patch: %s):", name, srcdir, how);
		for (char *line = out; *line;) {
			size_t len = strcspn(line, "\n");
			buf_printf(&msg, "\n  | %.*s", (int)len, line);
			line += len + (line[len] == '\n');
		}
		log_err("%s", msg.s);
		buf_free(&msg);
		free(how);
		free(out);
		ok = false;
	} else if (ok) {
		log_debug("applied %s", name);
	}
	fclose(log);
	return ok;
}

bool extract_apply_patches(const char *srcdir, const char *const *patches, size_t n,
			   const char *recipe_dir)
{
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(recipe_dir ? recipe_dir : ".", patches[i]);
		char *abs = realpath(p, NULL);
		bool ok = abs && path_is_file(abs);
		if (!ok)
			log_err("patch %s: %s", p, abs ? "not a file" : strerror(errno));
		else
			ok = apply_patch(srcdir, patches[i], abs);
		free(p);
		free(abs);
		if (!ok)
			return false;
	}
	return true;
}

static bool copy_file(const char *src, const char *dst)
{
	size_t len;
	struct stat st;
	char *data = read_file(src, &len);
	if (!data || stat(src, &st) != 0) {
		log_err("extra file %s: %s", src, strerror(errno));
		free(data);
		return false;
	}
	char *dir = path_dirname(dst);
	bool ok = mkdir_p(dir, 0755) && write_file_atomic(dst, data, len) &&
		  chmod(dst, st.st_mode & 0777) == 0;
	if (!ok)
		log_err("cannot copy %s to %s: %s", src, dst, strerror(errno));
	free(dir);
	free(data);
	return ok;
}

bool extract_copy_extras(const char *srcdir, const struct extract_extra *extras, size_t n,
			 const char *recipe_dir)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		char *rel = normalize(extras[i].dst, &why);
		if (!rel) {
			log_err("extra %s: destination '%s' %s", extras[i].src, extras[i].dst, why);
			return false;
		}
		char *src = path_join(recipe_dir ? recipe_dir : ".", extras[i].src);
		char *dst = path_join(srcdir, rel);
		if (!rel[0] || str_endswith(extras[i].dst, "/") || path_is_dir(dst)) {
			char *in = path_join(dst, path_basename(src));
			free(dst);
			dst = in;
		}
		bool ok = copy_file(src, dst);
		free(rel);
		free(src);
		free(dst);
		if (!ok)
			return false;
	}
	return true;
}

bool extract_prepare_source(const char *archive, const char *destdir, const char *extract_dir,
			    const char *const *patches, size_t n_patches,
			    const struct extract_extra *extras, size_t n_extras,
			    const char *recipe_dir)
{
	if (path_exists(destdir)) {
		log_err("cannot prepare the source of %s: %s already exists", archive, destdir);
		return false;
	}
	char *tmp = make_temp_beside(destdir), *top = NULL;
	if (!tmp)
		return false;
	bool ok = false;
	if (!unpack_into(archive, tmp, NULL))
		goto out;
	top = pick_top(archive, tmp, extract_dir);
	if (!top)
		goto out;
	if (!extract_apply_patches(top, patches, n_patches, recipe_dir))
		goto out;
	if (!extract_copy_extras(top, extras, n_extras, recipe_dir))
		goto out;
	if (rename(top, destdir) != 0) {
		log_err("cannot move %s to %s: %s", top, destdir, strerror(errno));
		goto out;
	}
	ok = true;
out:
	if (path_exists(tmp))
		remove_temp(tmp);
	free(top);
	free(tmp);
	return ok;
}

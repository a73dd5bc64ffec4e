#include "build/unpack.h"

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
	const struct unpack_limits *lim;
	struct nodes nodes;
	uint64_t archive_size, declared, written;
	size_t entries;
	struct archive *out; /* the disk writer */
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

char *unpack_normalize(const char *name, const char **why)
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

/* the entry's name: valid UTF-8 without control characters, normalised, within the
 * entry count; NULL (reported) otherwise */
static char *check_name(struct unpack *u, const char *raw)
{
	const char *why = NULL;
	if (!raw || !raw[0]) {
		log_err("%s: entry without a name, or whose name is not valid UTF-8", u->archive);
		return NULL;
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
		return NULL;
	}
	if (++u->entries > u->lim->max_entries) {
		log_err("%s: entry '%s': more than %zu entries", u->archive, raw, u->lim->max_entries);
		return NULL;
	}
	char *path = unpack_normalize(raw, &why);
	if (!path)
		log_err("%s: entry '%s' %s; refusing to write outside the destination", u->archive,
			raw, why);
	return path;
}

static bool claim_hardlink(struct unpack *u, struct archive_entry *e, const char *raw,
			   const char *path, const char *hard)
{
	const char *why = NULL;
	char *link = unpack_normalize(hard, &why);
	bool ok = false;
	if (!link) {
		log_err("%s: hard link '%s' points to '%s', which %s", u->archive, raw, hard, why);
		return false;
	}
	struct node *n = nodes_get(&u->nodes, link);
	if (!n || n->type != NODE_FILE)
		log_err("%s: hard link '%s' points to '%s', which is not a file extracted "
			"before it", u->archive, raw, hard);
	else if ((ok = claim(u, raw, path, NODE_FILE) != NULL))
		archive_entry_set_hardlink(e, link);
	free(link);
	return ok;
}

static bool claim_symlink(struct unpack *u, struct archive_entry *e, const char *raw,
			  const char *path)
{
	const char *target = archive_entry_symlink(e);
	if (!target)
		target = archive_entry_symlink_utf8(e);
	if (!target || !symlink_inside(&u->nodes, path, target)) {
		log_err("%s: symlink '%s' points to '%s', outside the destination", u->archive,
			raw, target ? target : "");
		return false;
	}
	struct node *n = claim(u, raw, path, NODE_LINK);
	if (n)
		n->target = xstrdup(target);
	return n != NULL;
}

/* record the entry in the tree by its type; only files, directories and links */
static bool claim_entry(struct unpack *u, struct archive_entry *e, const char *raw,
			const char *path, const char *hard)
{
	mode_t type = archive_entry_filetype(e);
	if (hard)
		return claim_hardlink(u, e, raw, path, hard);
	if (type == AE_IFREG)
		return claim(u, raw, path, NODE_FILE) != NULL;
	if (type == AE_IFDIR)
		return claim(u, raw, path, NODE_DIR) != NULL;
	if (type == AE_IFLNK)
		return claim_symlink(u, e, raw, path);
	const char *what = type == AE_IFCHR ? "a character device" :
			   type == AE_IFBLK ? "a block device" :
			   type == AE_IFIFO ? "a FIFO" :
			   type == AE_IFSOCK ? "a socket" : "of an unknown type";
	log_err("%s: entry '%s' is %s; only files, directories and links are allowed",
		u->archive, raw, what);
	return false;
}

/* the size the entry declares, against the limits */
static bool check_size(struct unpack *u, struct archive_entry *e, const char *raw)
{
	const struct unpack_limits *lim = u->lim;
	int64_t size = archive_entry_size(e);
	uint64_t sz = size > 0 ? (uint64_t)size : 0;
	if (sz > lim->max_entry_size) {
		log_err("%s: entry '%s' declares %" PRIu64 " bytes (limit %" PRIu64 ")",
			u->archive, raw, sz, lim->max_entry_size);
		return false;
	}
	u->declared += sz;
	if (u->declared > lim->max_total_size) {
		log_err("%s: entry '%s': the archive declares more than %" PRIu64
			" bytes in all", u->archive, raw, lim->max_total_size);
		return false;
	}
	if (u->declared > lim->ratio_floor && u->declared / lim->max_ratio > u->archive_size) {
		log_err("%s: entry '%s': %" PRIu64 " bytes declared from a %" PRIu64
			"-byte archive (over %ux): refusing a decompression bomb",
			u->archive, raw, u->declared, u->archive_size, lim->max_ratio);
		return false;
	}
	return true;
}

/* every check of one entry before anything of it is written; rewrites its names */
static bool check_entry(struct unpack *u, struct archive_entry *e, bool *skip)
{
	/* the _utf8 forms when the names cannot be converted to the C locale */
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	const char *hard = archive_entry_hardlink(e);
	if (!hard)
		hard = archive_entry_hardlink_utf8(e);
	*skip = false;
	char *path = check_name(u, raw);
	bool ok = false;
	if (!path)
		return false;
	mode_t type = archive_entry_filetype(e);
	if (!path[0]) {
		ok = type == AE_IFDIR && !hard;
		if (!ok)
			log_err("%s: entry '%s' has no file name", u->archive, raw);
		*skip = true;
		goto out;
	}
	if (!claim_entry(u, e, raw, path, hard))
		goto out;
	if (archive_entry_size_is_set(e) && !hard && !check_size(u, e, raw))
		goto out;
	archive_entry_set_pathname(e, path);
	mode_t perm = archive_entry_perm(e) & 0777;
	archive_entry_set_perm(e, perm | (type == AE_IFDIR ? 0700 : 0600));
	ok = true;
out:
	free(path);
	return ok;
}

static bool copy_data(struct unpack *u, struct archive *in, struct archive_entry *e,
		      const char *name)
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
		if (archive_write_data_block(u->out, buf, size, off) != ARCHIVE_OK) {
			/* a failed write(2), ENOSPC included, is only ARCHIVE_WARN */
			log_err("%s: entry '%s': %s", u->archive, name, arc_write_error(u->out));
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

/* write one checked entry: its header, its data, its end */
static bool write_entry(struct unpack *u, struct archive *in, struct archive_entry *e,
			const char *name)
{
	if (archive_write_header(u->out, e) < ARCHIVE_WARN) {
		log_err("%s: entry '%s': %s", u->archive, name, arc_write_error(u->out));
		return false;
	}
	if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e) &&
	    !copy_data(u, in, e, name))
		return false;
	if (archive_write_finish_entry(u->out) < ARCHIVE_WARN) {
		log_err("%s: entry '%s': %s", u->archive, name, arc_write_error(u->out));
		return false;
	}
	return true;
}

static enum arc_step unpack_entry(struct archive *in, struct archive_entry *e, void *ctx)
{
	struct unpack *u = ctx;
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	char *name = xstrdup(raw ? raw : "");
	bool skip;
	bool good = check_entry(u, e, &skip) && (skip || write_entry(u, in, e, name));
	free(name);
	return good ? ARC_NEXT : ARC_FAIL;
}

static void default_limits(struct unpack_limits *l, const struct unpack_limits *lim)
{
	*l = lim ? *lim : (struct unpack_limits){0};
	if (!l->max_entry_size)
		l->max_entry_size = UINT64_C(4) << 30;
	if (!l->max_total_size)
		l->max_total_size = UINT64_C(16) << 30;
	if (!l->max_ratio)
		l->max_ratio = 200;
	if (!l->ratio_floor)
		l->ratio_floor = UINT64_C(256) << 20;
	if (!l->max_entries)
		l->max_entries = 1000000;
}

/* every entry, read with the working directory in dir */
static bool unpack_in(struct unpack *u, const char *dir)
{
	char *abs = realpath(u->archive, NULL);
	struct arc_source src = {.path = abs ? abs : u->archive, .origin = u->archive,
		.formats = ARC_TAR | ARC_ZIP};
	bool ok = false;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(dir) != 0) {
		log_err("cannot enter %s: %s", dir, strerror(errno));
		goto out;
	}
	ok = arc_each(&src, unpack_entry, u) && check_symlinks(u);
	if (ok && archive_write_close(u->out) != ARCHIVE_OK) {
		log_err("%s: %s", u->archive, arc_write_error(u->out));
		ok = false;
	}
	if (fchdir(cwd) != 0)
		log_err("cannot return to the working directory: %s", strerror(errno));
out:
	if (cwd >= 0)
		close(cwd);
	free(abs);
	return ok;
}

/* unpack into dir, an existing empty directory */
static bool unpack_into(const char *archive, const char *dir, const struct unpack_limits *lim)
{
	struct unpack_limits l;
	default_limits(&l, lim);
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
	u.out = archive_write_disk_new();
	archive_write_disk_set_options(u.out, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						      ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						      ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
						      ARCHIVE_EXTRACT_TIME);
	bool ok = unpack_in(&u, dir);
	archive_write_free(u.out);
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

char *unpack_beside(const char *archive, const char *dest, const struct unpack_limits *lim)
{
	char *tmp = make_temp_beside(dest);
	if (tmp && !unpack_into(archive, tmp, lim)) {
		remove_temp(tmp);
		free(tmp);
		tmp = NULL;
	}
	return tmp;
}

bool unpack_archive(const char *archive, const char *destdir, const struct unpack_limits *lim)
{
	if (path_exists(destdir)) {
		log_err("cannot extract %s: %s already exists", archive, destdir);
		return false;
	}
	char *tmp = unpack_beside(archive, destdir, lim);
	if (!tmp)
		return false;
	bool ok = rename(tmp, destdir) == 0;
	if (!ok) {
		log_err("cannot rename %s to %s: %s", tmp, destdir, strerror(errno));
		remove_temp(tmp);
	}
	free(tmp);
	return ok;
}

#include "base/arcread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/lib_archive.h"
#include "base/log.h"
#include "base/util.h"

static void supports(struct archive *a, unsigned formats)
{
	if (formats & ARC_ALL) {
		archive_read_support_filter_all(a);
		archive_read_support_format_all(a);
		return;
	}
	if (formats & ARC_TAR) {
		archive_read_support_filter_all(a);
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
	}
	if (formats & ARC_TAR_PLAIN)
		archive_read_support_format_tar(a);
	if (formats & ARC_ZIP)
		archive_read_support_format_zip(a);
	if (formats & ARC_ZIP_INDEX)
		archive_read_support_format_zip_seekable(a);
	if (formats & ARC_AR)
		archive_read_support_format_ar(a);
}

bool arc_each(const struct arc_source *src, arc_entry_fn fn, void *ctx)
{
	const char *origin = src->origin ? src->origin : src->path;
	struct archive *a = archive_read_new();
	if (!a)
		xoom();
	supports(a, src->formats);
	bool ok = false;
	int r = src->path ? archive_read_open_filename(a, src->path, 65536)
			  : archive_read_open_memory(a, src->data, src->len);
	if (r != ARCHIVE_OK) {
		log_err("%s: %s%s", origin, src->short_errors ? "" : "cannot read the archive: ",
			archive_error_string(a));
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && src->warnings_fail)) {
			log_err("%s: %s", origin, archive_error_string(a));
			goto out;
		}
		enum arc_step step = fn(a, e, ctx);
		if (step == ARC_FAIL)
			goto out;
		if (step == ARC_STOP)
			break;
	}
	ok = true;
out:
	archive_read_free(a);
	return ok;
}

int arc_entry_data(struct archive *a, struct buf *b, size_t max)
{
	for (;;) {
		/* straight into the buffer, which stays NUL-terminated */
		b->s = xgrow(b->s, &b->cap, b->len + 65536 + 1, 1);
		la_ssize_t n = archive_read_data(a, b->s + b->len, b->cap - b->len - 1);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > max)
			return 1;
		b->len += (size_t)n;
		b->s[b->len] = '\0';
	}
}

bool arc_entry_to_file(struct archive *a, const char *origin, const char *out, unsigned perm)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)perm);
	if (fd < 0) {
		log_err("cannot create %s: %s", out, strerror(errno));
		return false;
	}
	bool ok = true;
	const void *blk;
	size_t len;
	la_int64_t off;
	int r = ARCHIVE_OK;
	while (ok && (r = archive_read_data_block(a, &blk, &len, &off)) == ARCHIVE_OK)
		ok = pwrite(fd, blk, len, (off_t)off) == (ssize_t)len;
	if (!ok)
		log_err("cannot write %s: %s", out, strerror(errno));
	else if (r != ARCHIVE_EOF)
		log_err("%s: %s", origin, archive_error_string(a));
	ok = ok && r == ARCHIVE_EOF;
	if (close(fd) != 0 && ok) {
		log_err("cannot write %s: %s", out, strerror(errno));
		ok = false;
	}
	return ok;
}

const char *arc_write_error(struct archive *a)
{
	static __thread char msg[512];
	const char *s = archive_error_string(a);
	int e = archive_errno(a);
	if (e > 0 && e != EILSEQ && e != EINVAL && (!s || !strstr(s, strerror(e))))
		snprintf(msg, sizeof(msg), "%s: %s", s ? s : "write error", strerror(e));
	else
		snprintf(msg, sizeof(msg), "%s", s ? s : "write error");
	return msg;
}

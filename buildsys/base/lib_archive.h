#ifndef KILN_LIB_ARCHIVE_H
#define KILN_LIB_ARCHIVE_H

/* libarchive, loaded on first use (see dynlib.h). The headers, and so the API
 * and ABI, are pkg-config's libarchive; the calls below go through a table
 * filled from its soname. Include this instead of <archive.h> and
 * <archive_entry.h>. A function not in the list does not link: add it here. */
#include <archive.h>
#include <archive_entry.h>

#define LIB_ARCHIVE_FUNCS(X) \
	X(archive_entry_clear) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_hardlink_utf8) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_perm) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_hardlink) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_symlink) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_entry_symlink_utf8) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_filename) \
	X(archive_read_open_memory) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_format_all) \
	X(archive_read_support_format_ar) \
	X(archive_read_support_format_gnutar) \
	X(archive_read_support_format_tar) \
	X(archive_read_support_format_zip) \
	X(archive_read_support_format_zip_seekable) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_data_block) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_filename) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_zip) \
	X(archive_write_set_options)

struct lib_archive {
#define LIB_ARCHIVE_FIELD(f) __typeof__(f) *f;
	LIB_ARCHIVE_FUNCS(LIB_ARCHIVE_FIELD)
#undef LIB_ARCHIVE_FIELD
};

/* the loaded table; a libarchive that cannot be loaded is fatal (exit 1), as
 * a missing library at start-up would have been */
const struct lib_archive *lib_archive(void);

#ifndef LIB_ARCHIVE_IMPL
#define archive_entry_clear lib_archive()->archive_entry_clear
#define archive_entry_filetype lib_archive()->archive_entry_filetype
#define archive_entry_free lib_archive()->archive_entry_free
#define archive_entry_hardlink lib_archive()->archive_entry_hardlink
#define archive_entry_hardlink_utf8 lib_archive()->archive_entry_hardlink_utf8
#define archive_entry_new lib_archive()->archive_entry_new
#define archive_entry_pathname lib_archive()->archive_entry_pathname
#define archive_entry_pathname_utf8 lib_archive()->archive_entry_pathname_utf8
#define archive_entry_perm lib_archive()->archive_entry_perm
#define archive_entry_set_filetype lib_archive()->archive_entry_set_filetype
#define archive_entry_set_gid lib_archive()->archive_entry_set_gid
#define archive_entry_set_hardlink lib_archive()->archive_entry_set_hardlink
#define archive_entry_set_mtime lib_archive()->archive_entry_set_mtime
#define archive_entry_set_pathname lib_archive()->archive_entry_set_pathname
#define archive_entry_set_perm lib_archive()->archive_entry_set_perm
#define archive_entry_set_size lib_archive()->archive_entry_set_size
#define archive_entry_set_symlink lib_archive()->archive_entry_set_symlink
#define archive_entry_set_uid lib_archive()->archive_entry_set_uid
#define archive_entry_size lib_archive()->archive_entry_size
#define archive_entry_size_is_set lib_archive()->archive_entry_size_is_set
#define archive_entry_symlink lib_archive()->archive_entry_symlink
#define archive_entry_symlink_utf8 lib_archive()->archive_entry_symlink_utf8
#define archive_errno lib_archive()->archive_errno
#define archive_error_string lib_archive()->archive_error_string
#define archive_read_data lib_archive()->archive_read_data
#define archive_read_data_block lib_archive()->archive_read_data_block
#define archive_read_free lib_archive()->archive_read_free
#define archive_read_new lib_archive()->archive_read_new
#define archive_read_next_header lib_archive()->archive_read_next_header
#define archive_read_open_filename lib_archive()->archive_read_open_filename
#define archive_read_open_memory lib_archive()->archive_read_open_memory
#define archive_read_support_filter_all lib_archive()->archive_read_support_filter_all
#define archive_read_support_format_all lib_archive()->archive_read_support_format_all
#define archive_read_support_format_ar lib_archive()->archive_read_support_format_ar
#define archive_read_support_format_gnutar lib_archive()->archive_read_support_format_gnutar
#define archive_read_support_format_tar lib_archive()->archive_read_support_format_tar
#define archive_read_support_format_zip lib_archive()->archive_read_support_format_zip
#define archive_read_support_format_zip_seekable lib_archive()->archive_read_support_format_zip_seekable
#define archive_write_close lib_archive()->archive_write_close
#define archive_write_data lib_archive()->archive_write_data
#define archive_write_data_block lib_archive()->archive_write_data_block
#define archive_write_disk_new lib_archive()->archive_write_disk_new
#define archive_write_disk_set_options lib_archive()->archive_write_disk_set_options
#define archive_write_finish_entry lib_archive()->archive_write_finish_entry
#define archive_write_free lib_archive()->archive_write_free
#define archive_write_header lib_archive()->archive_write_header
#define archive_write_new lib_archive()->archive_write_new
#define archive_write_open_filename lib_archive()->archive_write_open_filename
#define archive_write_set_format_pax_restricted lib_archive()->archive_write_set_format_pax_restricted
#define archive_write_set_format_zip lib_archive()->archive_write_set_format_zip
#define archive_write_set_options lib_archive()->archive_write_set_options
#endif

#endif

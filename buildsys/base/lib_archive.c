#define LIB_ARCHIVE_IMPL
#include "base/lib_archive.h"

#include "base/dynlib.h"
#include "base/util.h"

/* the soname of the ABI the headers describe: libarchive 3 is libarchive.so.13 */
#if ARCHIVE_VERSION_NUMBER < 3000000 || ARCHIVE_VERSION_NUMBER >= 4000000
#error "libarchive 3 expected (soname libarchive.so.13)"
#endif
#define ARCHIVE_SONAME "libarchive.so.13"

static struct lib_archive table;
static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct lib_archive, f)},
	LIB_ARCHIVE_FUNCS(SYM)
#undef SYM
};
static struct dynlib lib = {ARCHIVE_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table), 0};

const struct lib_archive *lib_archive(void)
{
	return dynlib_need(&lib);
}

#define ARCHIVEDL_IMPL
#include "archivedl.h"

#include "dynlib.h"
#include "util.h"

/* the soname of the ABI the headers describe: libarchive 3 is libarchive.so.13 */
#if ARCHIVE_VERSION_NUMBER < 3000000 || ARCHIVE_VERSION_NUMBER >= 4000000
#error "libarchive 3 expected (soname libarchive.so.13)"
#endif
#define ARCHIVE_SONAME "libarchive.so.13"

static struct archivedl table;
static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct archivedl, f)},
	ARCHIVEDL_FUNCS(SYM)
#undef SYM
};
static struct dynlib lib = {ARCHIVE_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table), 0};

const struct archivedl *archivedl(void)
{
	return dynlib_need(&lib);
}

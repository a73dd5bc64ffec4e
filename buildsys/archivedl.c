#define ARCHIVEDL_IMPL
#include "archivedl.h"

#include <pthread.h>
#include <stdlib.h>

#include "dynlib.h"
#include "util.h"

/* the soname of the ABI the headers describe: libarchive 3 is libarchive.so.13 */
#if ARCHIVE_VERSION_NUMBER < 3000000 || ARCHIVE_VERSION_NUMBER >= 4000000
#error "libarchive 3 expected (soname libarchive.so.13)"
#endif
#define ARCHIVE_SONAME "libarchive.so.13"

static struct archivedl table;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct archivedl, f)},
		ARCHIVEDL_FUNCS(SYM)
#undef SYM
	};
	if (!dynlib_load(ARCHIVE_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table)))
		exit(1);
}

const struct archivedl *archivedl(void)
{
	pthread_once(&once, load);
	return &table;
}

#define CRYPTODL_IMPL
#include "cryptodl.h"

#include <pthread.h>
#include <stdlib.h>

#include "dynlib.h"
#include "util.h"

/* the soname of the ABI the headers describe */
#if OPENSSL_VERSION_MAJOR != 3
#error "OpenSSL 3 expected (soname libcrypto.so.3)"
#endif
#define CRYPTO_SONAME "libcrypto.so.3"

static struct cryptodl table;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct cryptodl, f)},
		CRYPTODL_FUNCS(SYM)
#undef SYM
	};
	if (!dynlib_load(CRYPTO_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table)))
		exit(1);
}

const struct cryptodl *cryptodl(void)
{
	pthread_once(&once, load);
	return &table;
}

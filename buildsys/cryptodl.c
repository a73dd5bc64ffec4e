#define CRYPTODL_IMPL
#include "cryptodl.h"

#include "dynlib.h"
#include "util.h"

/* the soname of the ABI the headers describe */
#if OPENSSL_VERSION_MAJOR != 3
#error "OpenSSL 3 expected (soname libcrypto.so.3)"
#endif
#define CRYPTO_SONAME "libcrypto.so.3"

static struct cryptodl table;
static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct cryptodl, f)},
	CRYPTODL_FUNCS(SYM)
#undef SYM
};
static struct dynlib lib = {CRYPTO_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table), 0};

const struct cryptodl *cryptodl(void)
{
	return dynlib_need(&lib);
}

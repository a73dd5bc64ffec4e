#define LIB_CRYPTO_IMPL
#include "base/lib_crypto.h"

#include "base/dynlib.h"
#include "base/util.h"

/* the soname of the ABI the headers describe */
#if OPENSSL_VERSION_MAJOR != 3
#error "OpenSSL 3 expected (soname libcrypto.so.3)"
#endif
#define CRYPTO_SONAME "libcrypto.so.3"

static struct lib_crypto table;
static const struct dynsym syms[] = {
#define SYM(f) {#f, offsetof(struct lib_crypto, f)},
	LIB_CRYPTO_FUNCS(SYM)
#undef SYM
};
static struct dynlib lib = {CRYPTO_SONAME, syms, ARRAY_LEN(syms), &table, sizeof(table), 0};

const struct lib_crypto *lib_crypto(void)
{
	return dynlib_need(&lib);
}

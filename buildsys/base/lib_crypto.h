#ifndef KILN_LIB_CRYPTO_H
#define KILN_LIB_CRYPTO_H

/* OpenSSL's libcrypto (SHA-256 and base64), loaded on first use (see
 * dynlib.h); the headers are pkg-config's libcrypto. Include this instead of
 * <openssl/evp.h>. A function not in the list does not link: add it here. */
#include <openssl/evp.h>

#define LIB_CRYPTO_FUNCS(X) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_EncodeBlock) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_get_digestbyname) \
	X(EVP_sha256)

struct lib_crypto {
#define LIB_CRYPTO_FIELD(f) __typeof__(f) *f;
	LIB_CRYPTO_FUNCS(LIB_CRYPTO_FIELD)
#undef LIB_CRYPTO_FIELD
};

/* the loaded table; a libcrypto that cannot be loaded is fatal (exit 1) */
const struct lib_crypto *lib_crypto(void);

#ifndef LIB_CRYPTO_IMPL
#define EVP_Digest lib_crypto()->EVP_Digest
#define EVP_DigestFinal_ex lib_crypto()->EVP_DigestFinal_ex
#define EVP_DigestInit_ex lib_crypto()->EVP_DigestInit_ex
#define EVP_DigestUpdate lib_crypto()->EVP_DigestUpdate
#define EVP_EncodeBlock lib_crypto()->EVP_EncodeBlock
#define EVP_MD_CTX_free lib_crypto()->EVP_MD_CTX_free
#define EVP_MD_CTX_new lib_crypto()->EVP_MD_CTX_new
#define EVP_get_digestbyname lib_crypto()->EVP_get_digestbyname
#define EVP_sha256 lib_crypto()->EVP_sha256
#endif

#endif

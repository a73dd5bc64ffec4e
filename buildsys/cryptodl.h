#ifndef KILN_CRYPTODL_H
#define KILN_CRYPTODL_H

/* OpenSSL's libcrypto (SHA-256 and base64), loaded on first use (see
 * dynlib.h); the headers are pkg-config's libcrypto. Include this instead of
 * <openssl/evp.h>. A function not in the list does not link: add it here. */
#include <openssl/evp.h>

#define CRYPTODL_FUNCS(X) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_EncodeBlock) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_get_digestbyname) \
	X(EVP_sha256)

struct cryptodl {
#define CRYPTODL_FIELD(f) __typeof__(f) *f;
	CRYPTODL_FUNCS(CRYPTODL_FIELD)
#undef CRYPTODL_FIELD
};

/* the loaded table; a libcrypto that cannot be loaded is fatal (exit 1) */
const struct cryptodl *cryptodl(void);

#ifndef CRYPTODL_IMPL
#define EVP_Digest cryptodl()->EVP_Digest
#define EVP_DigestFinal_ex cryptodl()->EVP_DigestFinal_ex
#define EVP_DigestInit_ex cryptodl()->EVP_DigestInit_ex
#define EVP_DigestUpdate cryptodl()->EVP_DigestUpdate
#define EVP_EncodeBlock cryptodl()->EVP_EncodeBlock
#define EVP_MD_CTX_free cryptodl()->EVP_MD_CTX_free
#define EVP_MD_CTX_new cryptodl()->EVP_MD_CTX_new
#define EVP_get_digestbyname cryptodl()->EVP_get_digestbyname
#define EVP_sha256 cryptodl()->EVP_sha256
#endif

#endif

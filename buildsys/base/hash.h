#ifndef KILN_HASH_H
#define KILN_HASH_H

#include <stdbool.h>
#include <stddef.h>

/* Digests, the one user of libcrypto (base/lib_crypto.h). Hex output is lower case. */

/* an incremental SHA-256 */
struct hash_sha256 {
	void *md; /* EVP_MD_CTX */
};

/* start one; out of memory is fatal */
void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len);
/* the hex digest (65 bytes out); frees h (init it again to reuse) */
void hash_sha256_final(struct hash_sha256 *h, char out[65]);
/* free an unfinished one; a zeroed or finished one is fine */
void hash_sha256_free(struct hash_sha256 *h);

/* hex SHA-256 of data (65 bytes out) */
void hash_sha256_hex(const void *data, size_t len, char out[65]);
/* of a file; false with errno on failure */
bool hash_sha256_file(const char *path, char out[65]);

/* "ALGO=<urlsafe base64 without padding>" of data with the digest named ALGO (a wheel
 * RECORD's form), newly allocated; NULL when libcrypto has no such digest */
char *hash_record(const char *algo, const void *data, size_t len);

#endif

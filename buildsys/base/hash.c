#include "base/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/lib_crypto.h"
#include "base/util.h"

static void hex(const unsigned char *d, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void hash_sha256_init(struct hash_sha256 *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		xoom();
	h->md = md;
}

void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md, data, len);
}

void hash_sha256_final(struct hash_sha256 *h, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(h->md, d, &n);
	hex(d, n, out);
	hash_sha256_free(h);
}

void hash_sha256_free(struct hash_sha256 *h)
{
	if (h->md)
		EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

void hash_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		xoom();
	hex(md, n, out);
}

bool hash_sha256_file(const char *path, char out[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct hash_sha256 h;
	hash_sha256_init(&h);
	unsigned char chunk[65536];
	bool ok = true;
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ok = false;
			break;
		}
		if (r == 0)
			break;
		hash_sha256_update(&h, chunk, (size_t)r);
	}
	int e = errno;
	close(fd);
	if (ok)
		hash_sha256_final(&h, out);
	hash_sha256_free(&h);
	errno = e;
	return ok;
}

char *hash_record(const char *algo, const void *data, size_t len)
{
	const EVP_MD *md = EVP_get_digestbyname(algo);
	if (!md)
		return NULL;
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data, len, dig, &n, md, NULL))
		return NULL;
	unsigned char b64[2 * EVP_MAX_MD_SIZE];
	int blen = EVP_EncodeBlock(b64, dig, (int)n);
	while (blen > 0 && b64[blen - 1] == '=')
		blen--;
	for (int i = 0; i < blen; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	}
	return xasprintf("%s=%.*s", algo, blen, (const char *)b64);
}

/* dynlib.c (libraries loaded on first use): a table is filled only when the
 * library and every symbol are found; failures are reported and leave the
 * table as it was. Then the three real tables: libarchive, libcrypto and
 * libcurl load and work, and a plain kiln start-up has none of them mapped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynlib.h"
#include "base/lib_archive.h"
#include "base/lib_crypto.h"
#include "base/lib_curl.h"
#include "base/log.h"
#include "base/util.h"
#include "check.h"

static char last[512];

static void sink(enum log_level lvl, const char *msg, void *ctx)
{
	snprintf(last, sizeof(last), "%s", msg);
}

struct two {
	size_t (*strlen)(const char *);
	int (*strcmp)(const char *, const char *);
};

/* is a library whose file name contains name mapped into this process? */
static bool mapped(const char *name)
{
	size_t len;
	char *maps = read_file("/proc/self/maps", &len);
	bool found = maps && strstr(maps, name);
	free(maps);
	return found;
}

int main(void)
{
	log_set_sink(sink, NULL);

	/* before any use, none of the three is loaded */
	CHECK(!mapped("libarchive.so"), "libarchive mapped at start-up");
	CHECK(!mapped("libcrypto.so"), "libcrypto mapped at start-up");
	CHECK(!mapped("libcurl.so"), "libcurl mapped at start-up");

	struct two t = {0};
	static const struct dynsym ok[] = {
		{"strlen", offsetof(struct two, strlen)},
		{"strcmp", offsetof(struct two, strcmp)},
	};
	CHECK(dynlib_load("libc.so.6", ok, ARRAY_LEN(ok), &t, sizeof(t)), "libc: %s", last);
	CHECK(t.strlen && t.strlen("kiln") == 4, "strlen through the table");
	CHECK(t.strcmp && t.strcmp("a", "a") == 0, "strcmp through the table");

	struct two u = {0};
	last[0] = '\0';
	CHECK(!dynlib_load("libkiln-no-such-library.so.0", ok, ARRAY_LEN(ok), &u, sizeof(u)),
		"a missing library loads");
	CHECK(strstr(last, "cannot load libkiln-no-such-library.so.0"), "message: %s", last);
	CHECK(!u.strlen && !u.strcmp, "table changed by a failed load");

	static const struct dynsym bad[] = {
		{"strlen", offsetof(struct two, strlen)},
		{"kiln_no_such_symbol", offsetof(struct two, strcmp)},
	};
	last[0] = '\0';
	CHECK(!dynlib_load("libc.so.6", bad, ARRAY_LEN(bad), &u, sizeof(u)), "a missing symbol loads");
	CHECK(strstr(last, "libc.so.6 has no kiln_no_such_symbol"), "message: %s", last);
	CHECK(!u.strlen && !u.strcmp, "table half-filled by a failed load");

	/* the real tables: one call each */
	struct archive *a = archive_read_new();
	CHECK(a != NULL, "archive_read_new");
	CHECK(archive_read_support_format_tar(a) == ARCHIVE_OK, "tar support");
	CHECK(archive_read_free(a) == ARCHIVE_OK, "archive_read_free");
	CHECK(mapped("libarchive.so"), "libarchive not mapped after use");

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	CHECK(EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32, "sha256");
	CHECK(md[0] == 0xba && md[1] == 0x78 && md[31] == 0xad, "sha256(abc) is ba78...ad");

	CHECK(lib_curl_load(), "libcurl: %s", last);
	CHECK(curl_easy_strerror(CURLE_OK) && *curl_easy_strerror(CURLE_OK), "curl_easy_strerror");

	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

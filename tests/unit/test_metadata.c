/* artifact/metadata: RFC 822 style core metadata */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/metadata.h"
#include "check.h"

#define CHECK_STR(a, b) \
	CHECK((a) && strcmp((a), (b)) == 0, "'%s' != '%s'", (a) ? (a) : "(null)", (b))

static void test_fields(void)
{
	static const char text[] = "Metadata-Version: 2.1\r\n"
				   "Name:  kiln-demo \r\n"
				   "version: 1.0\n"
				   "Requires-Dist: numpy>=1.20\n"
				   "Requires-Dist: scipy; extra == 'sci'\n"
				   "not a header line\n"
				   "Summary:\n";
	struct metadata m = {0};
	metadata_parse(&m, text, strlen(text));
	CHECK(m.n == 6, "%zu fields", m.n);
	CHECK_STR(metadata_get(&m, "Name"), "kiln-demo");
	CHECK_STR(metadata_get(&m, "VERSION"), "1.0");
	CHECK_STR(metadata_get(&m, "Requires-Dist"), "numpy>=1.20");
	CHECK_STR(metadata_get(&m, "Summary"), "");
	CHECK(!metadata_get(&m, "License"), "no License");
	CHECK(!m.body, "no body without an empty line");
	struct strv all = {0};
	metadata_get_all(&m, "requires-dist", &all);
	CHECK(all.n == 2 && strcmp(all.v[0], "numpy>=1.20") == 0 &&
			strcmp(all.v[1], "scipy; extra == 'sci'") == 0,
		"both Requires-Dist in order (%zu)", all.n);
	strv_free(&all);
	metadata_free(&m);
}

static void test_continuation(void)
{
	static const char text[] = "Name: x\n"
				   "License: MIT License\n"
				   "        \n"
				   "        Copyright (c) kiln\n"
				   "\tPermission: is granted\n"
				   "Version: 2\n"
				   " folded: too\n";
	struct metadata m = {0};
	metadata_parse(&m, text, strlen(text));
	CHECK_STR(metadata_get(&m, "License"),
		"MIT License\n\nCopyright (c) kiln\nPermission: is granted");
	CHECK(!metadata_get(&m, "Permission"), "a continuation line is no field");
	CHECK_STR(metadata_get(&m, "Version"), "2\nfolded: too");
	metadata_free(&m);

	static const char skipped[] = "Name: y\nno colon here\n  dropped\nSummary: s\n";
	metadata_parse(&m, skipped, strlen(skipped));
	CHECK_STR(metadata_get(&m, "Name"), "y");
	CHECK_STR(metadata_get(&m, "Summary"), "s");
	CHECK(m.n == 2, "%zu fields", m.n);
	metadata_free(&m);
}

static void test_body(void)
{
	static const char text[] = "Name: z\r\n"
				   "Description-Content-Type: text/markdown\r\n"
				   "\r\n"
				   "# z\n"
				   "Name: not a header\n";
	struct metadata m = {0};
	metadata_parse(&m, text, strlen(text));
	CHECK(m.n == 2, "%zu fields", m.n);
	CHECK_STR(metadata_get(&m, "Name"), "z");
	CHECK_STR(m.body, "# z\nName: not a header\n");
	metadata_free(&m);

	metadata_parse(&m, "Name: e\n\n", 9);
	CHECK_STR(m.body, "");
	metadata_free(&m);

	/* the length bounds the text, and so does a NUL */
	metadata_parse(&m, "Name: a\nVersion: 1\n", 8);
	CHECK(m.n == 1 && !metadata_get(&m, "Version"), "bounded by len");
	metadata_free(&m);
	static const char nul[] = "Name: b\0Version: 1\n";
	metadata_parse(&m, nul, sizeof(nul) - 1);
	CHECK(m.n == 1 && !metadata_get(&m, "Version"), "bounded by a NUL");
	metadata_free(&m);
	metadata_parse(&m, "", 0);
	CHECK(m.n == 0 && !m.body, "empty");
	metadata_free(&m);
}

int main(void)
{
	test_fields();
	test_continuation();
	test_body();
	printf("%s (%d checks)\n", failures ? "FAILED" : "ok", checks);
	return failures != 0;
}

/* fortran_rewrite_link_args: -lgfortran and friends on a C link line become
 * the wasm32 runtime archive, once, in place of the first of them. */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "toolchain/fortran.h"

static int failures;

static void expect(bool cond, const char *what)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", what);
	failures += !cond;
}

int main(void)
{
	struct strv a = {0};
	const char *in[] = {"emcc", "-shared", "x.o", "-lgfortran", "-lm", "-lquadmath", "-lflang", "-lpgmath", "-o", "x.so"};
	for (size_t i = 0; i < ARRAY_LEN(in); i++)
		strv_add(&a, in[i]);
	expect(fortran_rewrite_link_args(&a), "rewrite succeeds (runtime available)");
	expect(a.n == 7, "runtime libraries collapse into one argument");
	expect(a.n > 3 && str_endswith(a.v[3], "/libFortranRuntime.a") && path_is_file(a.v[3]),
	       "-lgfortran becomes the runtime archive, which exists");
	expect(a.n > 4 && strcmp(a.v[4], "-lm") == 0, "other libraries are kept in order");
	expect(!strv_has(&a, "-lpgmath") && !strv_has(&a, "-lquadmath") && !strv_has(&a, "-lflang"),
	       "-lflang/-lpgmath/-lquadmath are dropped");
	strv_free(&a);

	struct strv c = {0};
	strv_add(&c, "emcc");
	strv_add(&c, "-lm");
	expect(fortran_rewrite_link_args(&c) && c.n == 2, "a line without Fortran libraries is unchanged");
	strv_free(&c);
	return failures ? 1 : 0;
}

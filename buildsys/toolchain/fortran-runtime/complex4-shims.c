/* COMPLEX(4) results with the i386 convention (packed in an i64) on top of
 * the wasm32 ones (returned through sret). kiln-irfix routes calls to F that
 * return i64 to __kiln_c4_F when this archive defines it. */
#include <complex.h>
#include <stdint.h>
#include <string.h>

float _Complex __divsc3(float a, float b, float c, float d);
float _Complex __mulsc3(float a, float b, float c, float d);
float _Complex _FortranAcpowi(float _Complex base, int32_t exp);
float _Complex _FortranAcpowk(float _Complex base, int64_t exp);

static uint64_t pack(float _Complex z)
{
	uint64_t u;
	memcpy(&u, &z, sizeof(u));
	return u;
}

uint64_t __kiln_c4___divsc3(float a, float b, float c, float d)
{
	return pack(__divsc3(a, b, c, d));
}

uint64_t __kiln_c4___mulsc3(float a, float b, float c, float d)
{
	return pack(__mulsc3(a, b, c, d));
}

uint64_t __kiln_c4__FortranAcpowi(const float _Complex *base, int32_t exp)
{
	return pack(_FortranAcpowi(*base, exp));
}

uint64_t __kiln_c4__FortranAcpowk(const float _Complex *base, int64_t exp)
{
	return pack(_FortranAcpowk(*base, exp));
}

uint64_t __kiln_c4_cpowf(const float _Complex *x, const float _Complex *y)
{
	return pack(cpowf(*x, *y));
}

#define UNARY(f) \
	uint64_t __kiln_c4_##f(const float _Complex *z); \
	uint64_t __kiln_c4_##f(const float _Complex *z) \
	{ \
		return pack(f(*z)); \
	}

UNARY(cacosf)
UNARY(casinf)
UNARY(catanf)
UNARY(ccosf)
UNARY(csinf)
UNARY(ctanf)
UNARY(cacoshf)
UNARY(casinhf)
UNARY(catanhf)
UNARY(ccoshf)
UNARY(csinhf)
UNARY(ctanhf)
UNARY(cexpf)
UNARY(clogf)
UNARY(csqrtf)
UNARY(conjf)
UNARY(cprojf)

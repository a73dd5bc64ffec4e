/* pure computation, strings and libm: nothing the ABI gap touches */
#include <math.h>
#include <stdlib.h>
#include <string.h>

int add(int a, int b)
{
	return a + b;
}

double hypotenuse(double a, double b)
{
	return sqrt(a * a + b * b);
}

char *dup_upper(const char *s)
{
	size_t n = strlen(s);
	char *r = malloc(n + 1);
	for (size_t i = 0; i <= n; i++)
		r[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	return r;
}

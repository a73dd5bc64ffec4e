/* DGEMM n x n, reps times, on fixed inputs: the same driver for the three builds */
#include <stddef.h>

/* f2c makes every subroutine return int; flang and gfortran make them void */
#ifdef F2C
#define SUBROUTINE int
#define SUBROUTINE_RETURN return 0
#else
#define SUBROUTINE void
#define SUBROUTINE_RETURN return
#endif

#define NMAX 200
SUBROUTINE dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
	const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
	const double *beta, double *c, const int *ldc, size_t la, size_t lb);

static double a[NMAX * NMAX], b[NMAX * NMAX], c[NMAX * NMAX];

/* runs the products and returns c[0] (so nothing is optimised away) */
double kbench(int n, int reps)
{
	double alpha = 1.5, beta = 0.5;
	if (n > NMAX)
		n = NMAX;
	for (int i = 0; i < n * n; i++) {
		a[i] = (double)((i * 7) % 13 - 6) / 3.0;
		b[i] = (double)((i * 5) % 11 - 5) / 7.0;
		c[i] = 0.0;
	}
	for (int r = 0; r < reps; r++)
		dgemm_("N", "T", &n, &n, &n, &alpha, a, &n, b, &n, &beta, c, &n, 1, 1);
	return c[0];
}

/* f2c's and the stub's error hook: the bench never passes illegal arguments */
SUBROUTINE xerbla_(const char *name, const int *info, size_t len)
{
	(void)name;
	(void)info;
	(void)len;
	SUBROUTINE_RETURN;
}

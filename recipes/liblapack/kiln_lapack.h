/* kiln's liblapack: the error state its XERBLA sets instead of stopping */
#ifndef KILN_LAPACK_H
#define KILN_LAPACK_H

/* called by XERBLA: routine name as character codes, their count, the bad argument */
void kiln_lapack_xerbla(const int *codes, int len, int info);
/* 0 if no XERBLA call since the last kiln_lapack_clear(); else the argument number,
 * with the routine name copied NUL-terminated into name (size bytes) */
int kiln_lapack_error(char *name, int size);
/* forget the last XERBLA call */
void kiln_lapack_clear(void);

#endif

#ifndef ACLIB_H
#define ACLIB_H

/* sizeof(long) as configure's test program measured it */
int aclib_long_size(void);
/* what the compiler configure found answered to -print-multiarch */
const char *aclib_multiarch(void);
/* configure's cross_compiling: "no" when its test programs ran */
const char *aclib_cross(void);

#endif

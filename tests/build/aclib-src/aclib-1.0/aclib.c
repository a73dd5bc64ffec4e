#include "aclib.h"

int aclib_long_size(void)
{
	return ACLIB_LONG_SIZE;
}

const char *aclib_multiarch(void)
{
	return ACLIB_MULTIARCH;
}

const char *aclib_cross(void)
{
	return ACLIB_CROSS;
}

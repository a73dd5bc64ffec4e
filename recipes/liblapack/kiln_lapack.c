#include <string.h>

#include "kiln_lapack.h"

static char err_name[32];
static int err_info;

void kiln_lapack_xerbla(const int *codes, int len, int info)
{
	int i;
	if (len < 0)
		len = 0;
	if (len > (int)sizeof(err_name) - 1)
		len = (int)sizeof(err_name) - 1;
	for (i = 0; i < len; i++)
		err_name[i] = (char)codes[i];
	err_name[len] = '\0';
	err_info = info;
}

int kiln_lapack_error(char *name, int size)
{
	if (err_info && name && size > 0) {
		strncpy(name, err_name, (size_t)size - 1);
		name[size - 1] = '\0';
	}
	return err_info;
}

void kiln_lapack_clear(void)
{
	err_info = 0;
	err_name[0] = '\0';
}

#include "cmd/tool_fortran.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "toolchain/fortran.h"

int tool_fortran_main(int argc, char **argv)
{
	int rc;
	char *answer = fortran_query(path_basename(argv[0]), argc, argv, &rc);
	if (!answer)
		return fortran_drive(argc, argv);
	fputs(answer, stdout);
	free(answer);
	return rc;
}

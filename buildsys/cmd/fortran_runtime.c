#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "toolchain/fortran_runtime.h"

extern const struct kiln_cmd cmd_fortran_runtime;

static int run(int argc, char **argv)
{
	if (argc > 1)
		return cmd_usage_error(&cmd_fortran_runtime, "unexpected argument '%s'", argv[1]);
	char *dir = fortran_runtime_ensure();
	if (!dir)
		return EXIT_FAIL;
	printf("%s\n", dir);
	free(dir);
	return EXIT_OK;
}

const struct kiln_cmd cmd_fortran_runtime = {
	.name = "fortran-runtime",
	.run = run,
	.summary = "build (once) the wasm32 Fortran runtime and print its directory",
	.synopsis = "fortran-runtime",
	.details = "Builds libFortranRuntime.a for wasm32 from Debian's llvm-toolchain-19 source\n"
		   "package (fetched with apt-get source into <cache>/sources) and caches it under\n"
		   "<cache>/fortran-runtime/<hash>/ with signatures.tsv, the function signatures\n"
		   "the Fortran IR fix-ups narrow calls to. $KILN_FORTRAN_RUNTIME names a prebuilt\n"
		   "directory instead.",
};

#include <string.h>

#include "cmd/cmd.h"
#include "toolchain/abi.h"

extern const struct kiln_cmd cmd_hide_libcxx;

static int run(int argc, char **argv)
{
	if (!cmd_parse(&cmd_hide_libcxx, &argc, argv, NULL))
		return EXIT_USAGE;
	if (argc < 2)
		return cmd_usage_error(&cmd_hide_libcxx, "no object given");
	int status = EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (!abi_hide_libcxx_object(argv[i]))
			status = EXIT_FAIL;
	return status;
}

const struct kiln_cmd cmd_hide_libcxx = {
	.name = "hide-libcxx",
	.run = run,
	.summary = "mark the libc++ symbols a wasm object defines hidden, in place",
	.synopsis = "hide-libcxx FILE.o...",
	.details = "Marks every entity of libc++'s namespace std::__N that the objects define\n"
		   "(template instantiations, inline functions, vtables, typeinfo) hidden, so\n"
		   "that a side module linked from them with a private libc++ binds them inside\n"
		   "itself instead of importing them from the runtime (see docs/abi.md).",
};

#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "toolchain/abi.h"

extern const struct kiln_cmd cmd_private_archive;

static int run(int argc, char **argv)
{
	const char *ar = getenv("KILN_AR"), *in = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ar") == 0) {
			if (++i >= argc)
				return cmd_usage_error(&cmd_private_archive, "option '--ar' needs a value");
			ar = argv[i];
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(&cmd_private_archive, "unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			return cmd_usage_error(&cmd_private_archive, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!out)
		return cmd_usage_error(&cmd_private_archive, "need IN.a and OUT.a");
	return abi_private_archive(in, out, ar && *ar ? ar : "emar") ? EXIT_OK : EXIT_FAIL;
}

const struct kiln_cmd cmd_private_archive = {
	.name = "private-archive",
	.run = run,
	.summary = "copy a wasm static archive with every symbol it defines hidden",
	.usage = "private-archive [--ar AR] IN.a OUT.a\n\n"
		 "Writes OUT.a: the objects of IN.a with every defined symbol marked hidden,\n"
		 "so that a side module linked with it binds them inside itself (a private,\n"
		 "DSO-local copy, e.g. of the toolchain's libc++; see docs/abi.md).\n\n"
		 "options:\n"
		 "  --ar AR     archiver that writes the symbol index (default: $KILN_AR or emar)",
};

#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "toolchain/abi.h"

extern const struct kiln_cmd cmd_private_archive;

struct private_archive_opts {
	const char *ar;
};

static const struct cmd_opt options[] = {
	{"ar", 0, "AR", "archiver that writes the symbol index (default: $KILN_AR or emar)",
		CMD_STR(struct private_archive_opts, ar)},
	{0},
};

static int run(int argc, char **argv)
{
	struct private_archive_opts o = {.ar = getenv("KILN_AR")};
	if (!cmd_parse(&cmd_private_archive, &argc, argv, &o))
		return EXIT_USAGE;
	if (argc > 3)
		return cmd_usage_error(&cmd_private_archive, "unexpected argument '%s'", argv[3]);
	if (argc < 3)
		return cmd_usage_error(&cmd_private_archive, "need IN.a and OUT.a");
	return abi_private_archive(argv[1], argv[2], o.ar && *o.ar ? o.ar : "emar") ? EXIT_OK
										   : EXIT_FAIL;
}

const struct kiln_cmd cmd_private_archive = {
	.name = "private-archive",
	.run = run,
	.summary = "copy a wasm static archive with every symbol it defines hidden",
	.synopsis = "private-archive [--ar AR] IN.a OUT.a",
	.details = "Writes OUT.a: the objects of IN.a with every defined symbol marked hidden,\n"
		   "so that a side module linked with it binds them inside itself (a private,\n"
		   "DSO-local copy, e.g. of the toolchain's libc++; see docs/abi.md).",
	.opts = options,
};

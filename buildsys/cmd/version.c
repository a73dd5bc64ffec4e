#include <stdio.h>

#include "cmd/cmd.h"
#include "version.h"

extern const struct kiln_cmd cmd_version;

static int run(int argc, char **argv)
{
	if (argc > 1)
		return cmd_usage_error(&cmd_version, "unexpected argument '%s'", argv[1]);
	printf("kiln %s\n", KILN_VERSION);
	return EXIT_OK;
}

const struct kiln_cmd cmd_version = {
	.name = "version",
	.run = run,
	.summary = "print kiln's version",
	.synopsis = "version",
};

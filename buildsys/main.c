#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/tool_fortran.h"
#include "cmd/tool_wrap.h"
#include "toolchain/fortran.h"
#include "toolchain/wrap.h"
#include "version.h"

extern const struct kiln_cmd cmd_abi_check;
extern const struct kiln_cmd cmd_build;
extern const struct kiln_cmd cmd_build_recipes;
extern const struct kiln_cmd cmd_check;
extern const struct kiln_cmd cmd_crossenv;
extern const struct kiln_cmd cmd_fetch;
extern const struct kiln_cmd cmd_fortran_runtime;
extern const struct kiln_cmd cmd_graph;
extern const struct kiln_cmd cmd_hide_libcxx;
extern const struct kiln_cmd cmd_lockfile;
extern const struct kiln_cmd cmd_private_archive;
extern const struct kiln_cmd cmd_py_compile;
extern const struct kiln_cmd cmd_serve;
extern const struct kiln_cmd cmd_skeleton;
extern const struct kiln_cmd cmd_test;
extern const struct kiln_cmd cmd_version;

static const struct kiln_cmd *const commands[] = {
	&cmd_abi_check,
	&cmd_build,
	&cmd_build_recipes,
	&cmd_check,
	&cmd_crossenv,
	&cmd_fetch,
	&cmd_fortran_runtime,
	&cmd_graph,
	&cmd_hide_libcxx,
	&cmd_lockfile,
	&cmd_private_archive,
	&cmd_py_compile,
	&cmd_serve,
	&cmd_skeleton,
	&cmd_test,
	&cmd_version,
};

static const struct kiln_cmd *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void overview(FILE *f)
{
	fprintf(f, "usage: kiln [--version] [--help] COMMAND [ARGS...]\n\n"
		   "Build Pyodide packages from meta.yaml recipes.\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-16s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nRun 'kiln help COMMAND' for a command's options.\n");
}

static int unknown(const char *name)
{
	const char *names[ARRAY_LEN(commands)];
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		names[i] = commands[i]->name;
	const char *s = str_suggest(name, names, ARRAY_LEN(commands));
	fprintf(stderr, "kiln: '%s' is not a kiln command.", name);
	if (s)
		fprintf(stderr, " Did you mean '%s'?", s);
	fprintf(stderr, "\nRun 'kiln --help' for the list.\n");
	return EXIT_USAGE;
}

static int help(int argc, char **argv)
{
	if (argc < 2) {
		overview(stdout);
		return EXIT_OK;
	}
	const struct kiln_cmd *c = find(argv[1]);
	if (!c)
		return unknown(argv[1]);
	return cmd_usage(c, 0);
}

int main(int argc, char **argv)
{
	/* as gfortran, f77, f90, f95, flang: the Fortran driver, which needs no
	 * cross environment (meson and CMake probe it on its own) */
	if (argc > 0 && fortran_is_driver_name(path_basename(argv[0])))
		return tool_fortran_main(argc, argv);
	/* started through a cross environment's bin/ as cc, ar, cmake…: the wrapper */
	if (argc > 0 && wrap_is_tool(path_basename(argv[0])))
		return tool_wrap_main(argc, argv);
	/* cJSON allocates through kiln's allocator: out of memory is fatal, not "invalid JSON" */
	cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = xmalloc, .free_fn = free});
	if (argc < 2) {
		overview(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return help(1, argv);
	if (strcmp(name, "help") == 0)
		return help(argc - 1, argv + 1);
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		name = "version";
	else if (name[0] == '-') {
		fprintf(stderr, "kiln: unknown option '%s'\n", name);
		overview(stderr);
		return EXIT_USAGE;
	}
	const struct kiln_cmd *c = find(name);
	if (!c)
		return unknown(name);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cmd_usage(c, 0);
	}
	return c->run(argc - 1, argv + 1);
}

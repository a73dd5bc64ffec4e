#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "build/build.h"
#include "build/fetch.h"
#include "cmd/cmd.h"

extern const struct kiln_cmd cmd_build_recipes;
extern const struct kiln_cmd cmd_fetch;

enum { OPT_RECIPES = 1, OPT_DIST, OPT_MIRROR, OPT_LOG_STYLE, OPT_EXPLAIN, OPT_TIMEOUT };

static const struct option options[] = {
	{"jobs", required_argument, NULL, 'j'},
	{"keep-going", no_argument, NULL, 'k'},
	{"recipes", required_argument, NULL, OPT_RECIPES},
	{"dist", required_argument, NULL, OPT_DIST},
	{"mirror", required_argument, NULL, OPT_MIRROR},
	{"log-style", required_argument, NULL, OPT_LOG_STYLE},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{NULL, 0, NULL, 0},
};

static int run_common(const struct kiln_cmd *self, int argc, char **argv, bool fetch_only)
{
	struct build_opts o = {.recipes_dir = "recipes", .dist_dir = "dist",
		.fetch_only = fetch_only};
	struct strv mirrors = {0};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:k", options, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j': {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 1024) {
				strv_free(&mirrors);
				return cmd_usage_error(self, "-j needs a number from 1 to 1024, not '%s'",
					optarg);
			}
			o.jobs = (unsigned)v;
			break;
		}
		case 'k':
			o.keep_going = true;
			break;
		case OPT_RECIPES:
			o.recipes_dir = optarg;
			break;
		case OPT_DIST:
			o.dist_dir = optarg;
			break;
		case OPT_MIRROR:
			strv_add(&mirrors, optarg);
			break;
		case OPT_LOG_STYLE:
			if (strcmp(optarg, "text") == 0)
				o.log_style = BUILD_LOG_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.log_style = BUILD_LOG_JSON;
			else {
				strv_free(&mirrors);
				return cmd_usage_error(self, "--log-style is text or json, not '%s'", optarg);
			}
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_TIMEOUT:
			o.step_timeout = strtod(optarg, &end);
			if (*end || o.step_timeout < 0) {
				strv_free(&mirrors);
				return cmd_usage_error(self, "--timeout needs seconds, not '%s'", optarg);
			}
			break;
		default:
			strv_free(&mirrors);
			return cmd_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	fetch_mirrors_from_env(&mirrors);
	o.mirrors = &mirrors;
	o.selection = (const char *const *)argv + optind;
	o.n_selection = (size_t)(argc - optind);
	bool ok = build_recipes(&o);
	strv_free(&mirrors);
	return ok ? EXIT_OK : EXIT_FAIL;
}

static int run_build(int argc, char **argv)
{
	return run_common(&cmd_build_recipes, argc, argv, false);
}

static int run_fetch(int argc, char **argv)
{
	return run_common(&cmd_fetch, argc, argv, true);
}

#define COMMON_OPTIONS \
	"  --recipes DIR     the recipe directory (default recipes)\n" \
	"  --mirror DIR|URL  look for sources here first, as <mirror>/<file name>\n" \
	"                    (repeatable; also $KILN_MIRRORS, space or comma separated)\n" \
	"  -j, --jobs N      run at most N jobs in all (default: usable CPUs)\n" \
	"  --log-style text|json  output for people or one JSON object per line\n" \
	"\n" \
	"SELECTION: names, comma lists, tag:<t>, '*', !name to exclude (default '*');\n" \
	"recipes tagged 'always' are always included, dependencies are pulled in.\n"

const struct kiln_cmd cmd_build_recipes = {
	.name = "build-recipes",
	.run = run_build,
	.summary = "build recipes into dist/ with pyodide-lock.json, in parallel, cached",
	.usage = "build-recipes [OPTIONS] [SELECTION...]\n\n"
		"  -k, --keep-going  build everything that does not depend on a failure\n"
		"  --explain         say why each package is (re)built\n"
		"  --dist DIR        where wheels and pyodide-lock.json go (default dist)\n"
		"  --timeout SECS    kill a build step that runs longer\n"
		COMMON_OPTIONS
		"\nThe cache is $KILN_CACHE (default ./cache); each package's log is\n"
		"<cache>/work/<name>/build.log.",
};

const struct kiln_cmd cmd_fetch = {
	.name = "fetch",
	.run = run_fetch,
	.summary = "download and verify the sources of recipes into the source cache",
	.usage = "fetch [OPTIONS] [SELECTION...]\n\n" COMMON_OPTIONS,
};

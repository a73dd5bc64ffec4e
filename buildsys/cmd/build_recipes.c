#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
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

/* the last lines of a failed package's log */
static void show_tail(const char *path, size_t lines)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return;
	const char *tail = str_last_lines(text, len, lines);
	size_t n = strlen(tail);
	if (n)
		log_info("%.*s", (int)(n - (tail[n - 1] == '\n')), tail);
	free(text);
}

/* events for people: a status line on a terminal (a line per started package
 * elsewhere), failures with their log's tail, the summary */
static void render_text(const struct log_event *e, void *ctx)
{
	const struct build_opts *o = ctx;
	const struct log_event_progress *pr = &e->progress;
	unsigned secs = (unsigned)pr->elapsed;
	switch (e->kind) {
	case LOG_EV_START:
	case LOG_EV_PROGRESS:
		if (!log_status_shown() && e->kind == LOG_EV_START)
			log_info("[%zu/%zu] building %s (%zu running, %um%02us)", pr->done, pr->total,
				e->package, pr->running, secs / 60, secs % 60);
		else
			log_status("[%zu/%zu] %s%s (%zu running, %um%02us)", pr->done, pr->total,
				e->package ? "building " : "", e->package ? e->package : "waiting",
				pr->running, secs / 60, secs % 60);
		break;
	case LOG_EV_EXPLAIN:
		if (strcmp(e->status, "build") == 0)
			log_info("%s: %s", e->package, e->detail);
		break;
	case LOG_EV_FINISHED:
		if (strcmp(e->status, "failed") != 0)
			break;
		log_info("FAILED: %s (%s); the last lines of %s:", e->package, e->reason, e->detail);
		show_tail(e->detail, 25);
		break;
	case LOG_EV_FETCHED:
		log_info("%zu source(s) in %s", pr->done, e->detail);
		break;
	case LOG_EV_SUMMARY:
		log_info("%s%s (%.1fs)", strcmp(e->status, "interrupted") == 0 ? "interrupted: " : "",
			e->detail, e->seconds);
		if (strcmp(e->status, "ok") == 0)
			log_info("%s/pyodide-lock.json is up to date", o->dist_dir);
		break;
	}
}

/* events for programs: one JSON object a line on stdout (start, explain, finished,
 * summary) */
static void render_json(const struct log_event *e, void *ctx)
{
	if (e->kind == LOG_EV_PROGRESS || e->kind == LOG_EV_FETCHED)
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", log_event_name(e->kind));
	if (e->package)
		cJSON_AddStringToObject(o, "package", e->package);
	if (e->status)
		cJSON_AddStringToObject(o, "status", e->status);
	if (e->seconds >= 0)
		cJSON_AddNumberToObject(o, "seconds", (double)(long)(e->seconds * 1000) / 1000);
	if (e->detail)
		cJSON_AddStringToObject(o, "detail", e->detail);
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		printf("%s\n", s);
		fflush(stdout);
		cJSON_free(s);
	}
	cJSON_Delete(o);
}

static bool build_rendered(struct build_opts *o)
{
	log_set_event_sink(o->log_style == BUILD_LOG_JSON ? render_json : render_text, o);
	bool ok = build_recipes(o);
	log_set_event_sink(NULL, NULL);
	return ok;
}

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
	bool ok = build_rendered(&o);
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

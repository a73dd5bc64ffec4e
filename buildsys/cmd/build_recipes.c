#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "build/build.h"
#include "build/fetch.h"
#include "build/index.h"
#include "cmd/cmd.h"

extern const struct kiln_cmd cmd_build_recipes;
extern const struct kiln_cmd cmd_fetch;

struct shard_arg {
	unsigned i, n;
};

struct recipes_opts {
	struct build_opts b;
	struct shard_arg shard;
	struct cmd_remote remote;
	struct cmd_target t;
	struct strv mirrors;
	struct strv index_urls, indexes;
	bool no_index;
	bool json;
};

static bool set_jobs(void *field, const char *value)
{
	char *end;
	long v = strtol(value, &end, 10);
	if (*end || v < 1 || v > 1024)
		return false;
	*(unsigned *)field = (unsigned)v;
	return true;
}

/* I/N, 1 <= I <= N <= 1024 */
static bool set_shard(void *field, const char *value)
{
	unsigned *v = field;
	char *end;
	long i = strtol(value, &end, 10);
	if (end == value || *end != '/')
		return false;
	const char *rest = end + 1;
	long n = strtol(rest, &end, 10);
	if (end == rest || *end || n < 1 || n > 1024 || i < 1 || i > n)
		return false;
	v[0] = (unsigned)i;
	v[1] = (unsigned)n;
	return true;
}

/* build-recipes and fetch take the same options */
static const struct cmd_opt options[] = {
	{"keep-going", 'k', NULL, "build everything that does not depend on a failure",
		CMD_FLAG(struct recipes_opts, b.keep_going)},
	{"explain", 0, NULL, "say why each package is (re)built",
		CMD_FLAG(struct recipes_opts, b.explain)},
	{"dist", 0, "DIR", "where wheels and pyodide-lock.json go (default dist)",
		CMD_STR(struct recipes_opts, b.dist_dir)},
	{"timeout", 0, "SECS", "kill a build step that runs longer",
		CMD_SECONDS(struct recipes_opts, b.step_timeout)},
	{"recipes", 0, "DIR", "the recipe directory (default recipes)",
		CMD_STR(struct recipes_opts, b.recipes_dir)},
	{"mirror", 0, "DIR|URL", "look for sources here first, as <mirror>/<file name>\n"
		"(repeatable; also $KILN_MIRRORS, a list separated\nby spaces or commas)",
		CMD_LIST(struct recipes_opts, mirrors)},
	INDEX_OPTS(struct recipes_opts, index_urls, no_index),
	CMD_REMOTE_OPTS(struct recipes_opts, remote),
	{"shard", 0, "I/N", "build shard I of N of the selection (deterministic split;\n"
		"dependencies from the caches); dist/ gets shard I's packages",
		.at = CMD_AT(struct recipes_opts, shard, struct shard_arg), .set = set_shard,
		.bad = "needs I/N with 1 <= I <= N <= 1024"},
	{"jobs", 'j', "N", "run at most N jobs in all (default: usable CPUs)",
		.at = CMD_AT(struct recipes_opts, b.jobs, unsigned), .set = set_jobs,
		.bad = "needs a number from 1 to 1024"},
	{"log-style", 0, "text|json", "output for people or one JSON object per line",
		CMD_JSON(struct recipes_opts, json)},
	CMD_TARGET_OPTS(struct recipes_opts, t),
	{"legacy-platform-tag", 0, NULL, "tag wheels pyodide_<abi>_wasm32 (the spelling before\n"
		"PEP 783) for ABI 2025_0 and later",
		CMD_FLAG(struct recipes_opts, b.legacy_platform_tag)},
	{0},
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
		else if (strcmp(e->status, "up to date") == 0)
			log_info("%s: local hit", e->package);
		else
			log_info("%s: %s (%s)", e->package, e->status, e->detail);
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
 * summary); a failed package's "reason" says how it ended */
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
	if (e->reason)
		cJSON_AddStringToObject(o, "reason", e->reason);
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
	struct recipes_opts o = {.b = {.recipes_dir = "recipes", .dist_dir = "dist",
		.fetch_only = fetch_only}};
	int status = EXIT_USAGE;
	if (!cmd_parse(self, &argc, argv, &o))
		goto out;
	if (o.no_index && o.index_urls.n) {
		cmd_usage_error(self, "--no-index and --index-url exclude each other");
		goto out;
	}
	if (!cmd_remote_cache(self, &o.remote))
		goto out;
	o.b.remote_cache = o.remote.url;
	o.b.remote_write = !o.remote.read_only;
	o.b.shard = o.shard.i;
	o.b.n_shards = o.shard.n;
	if (!cmd_select_target(&o.t)) {
		strv_free(&o.mirrors);
		return EXIT_FAIL;
	}
	o.b.log_style = o.json ? BUILD_LOG_JSON : BUILD_LOG_TEXT;
	fetch_mirrors_from_env(&o.mirrors);
	if (!o.no_index)
		index_urls(&o.index_urls, &o.indexes);
	o.b.mirrors = &o.mirrors;
	o.b.indexes = &o.indexes;
	o.b.selection = (const char *const *)argv + 1;
	o.b.n_selection = (size_t)(argc - 1);
	status = build_rendered(&o.b) ? EXIT_OK : EXIT_FAIL;
out:
	strv_free(&o.mirrors);
	strv_free(&o.index_urls);
	strv_free(&o.indexes);
	return status;
}

static int run_build(int argc, char **argv)
{
	return run_common(&cmd_build_recipes, argc, argv, false);
}

static int run_fetch(int argc, char **argv)
{
	return run_common(&cmd_fetch, argc, argv, true);
}

#define SELECTION \
	"SELECTION: names, comma lists, tag:<t>, '*', !name to exclude (default '*');\n" \
	"recipes tagged 'always' are always included, dependencies are pulled in."

const struct kiln_cmd cmd_build_recipes = {
	.name = "build-recipes",
	.run = run_build,
	.summary = "build recipes into dist/ with pyodide-lock.json, in parallel, cached",
	.synopsis = "build-recipes [OPTIONS] [SELECTION...]",
	.details = SELECTION "\n\n"
		"The cache is $KILN_CACHE (default ./cache); each package's log is\n"
		"<cache>/work/<name>/build.log.",
	.opts = options,
};

const struct kiln_cmd cmd_fetch = {
	.name = "fetch",
	.run = run_fetch,
	.summary = "download and verify the sources of recipes into the source cache",
	.synopsis = "fetch [OPTIONS] [SELECTION...]",
	.details = SELECTION "\n\n"
		"The options are those of build-recipes; -k, --explain, --dist and --timeout\n"
		"have no effect here.",
	.opts = options,
};

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "base/config.h"
#include "base/log.h"
#include "build/testrun.h"
#include "cmd/cmd.h"
#include "recipe/diag.h"
#include "recipe/graph.h"

extern const struct kiln_cmd cmd_test;

struct test_opts {
	struct cmd_target t;
	const char *recipes, *dist;
	double timeout;
	bool with_tests, json;
};

static bool set_timeout(void *field, const char *value)
{
	char *end;
	double t = strtod(value, &end);
	if (*end || !(t > 0))
		return false;
	*(double *)field = t;
	return true;
}

static const struct cmd_opt options[] = {
	{"recipes", 0, "DIR", "the recipe directory (default: recipes)",
		CMD_STR(struct test_opts, recipes)},
	{"dist", 0, "DIR", "wheels and pyodide-lock.json (default: dist)",
		CMD_STR(struct test_opts, dist)},
	{"timeout", 0, "SECS", "per package, Pyodide start-up excluded (default: 60)",
		.at = CMD_AT(struct test_opts, timeout, double), .set = set_timeout,
		.bad = "needs seconds"},
	{"with-tests", 0, NULL, "also load <name>-tests and run its test modules",
		CMD_FLAG(struct test_opts, with_tests)},
	{"log-style", 0, "text|json", "one line per package, or one JSON object each",
		CMD_JSON(struct test_opts, json)},
	CMD_TARGET_OPTS(struct test_opts, t),
	{0},
};

struct tally {
	size_t passed, failed, skipped;
	bool json;
};

static char *import_name(const char *name)
{
	char *s = xstrdup(name);
	for (char *c = s; *c; c++)
		if (*c == '-')
			*c = '_';
	return s;
}

/* indented, so that a traceback stands out under its FAIL line */
static void print_indented(const char *text)
{
	const char *s = text;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		printf("    %.*s\n", (int)n, s);
		s += n + (nl ? 1 : 0);
	}
}

static void report(struct tally *ty, const char *name, const char *status,
	const struct testrun_result *res, const char *why)
{
	if (strcmp(status, "ok") == 0)
		ty->passed++;
	else if (strcmp(status, "skip") == 0)
		ty->skipped++;
	else
		ty->failed++;
	if (ty->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", name);
		cJSON_AddStringToObject(j, "status", status);
		if (res) {
			cJSON_AddStringToObject(j, "stage", res->stage ? res->stage : "");
			cJSON_AddNumberToObject(j, "seconds", (double)(long)(res->seconds * 1000) / 1000);
			if (res->passed >= 0 || res->failed >= 0) {
				cJSON *t = cJSON_AddObjectToObject(j, "tests");
				cJSON_AddNumberToObject(t, "passed", (double)res->passed);
				cJSON_AddNumberToObject(t, "failed", (double)res->failed);
				cJSON_AddNumberToObject(t, "skipped", (double)res->skipped);
			}
			if (res->output && *res->output)
				cJSON_AddStringToObject(j, "output", res->output);
		}
		const char *err = res && res->error ? res->error : why;
		if (err)
			cJSON_AddStringToObject(j, strcmp(status, "skip") == 0 ? "reason" : "error", err);
		char *s = cJSON_PrintUnformatted(j);
		puts(s);
		free(s);
		cJSON_Delete(j);
	} else if (strcmp(status, "skip") == 0) {
		printf("skip %s (%s)\n", name, why);
	} else if (strcmp(status, "ok") == 0) {
		if (res->passed >= 0)
			printf("ok   %s (%.1fs; tests: %ld passed, %ld skipped)\n", name, res->seconds,
				res->passed, res->skipped);
		else
			printf("ok   %s (%.1fs)\n", name, res->seconds);
	} else {
		if (res)
			printf("FAIL %s (%s, %.1fs)\n", name, res->stage, res->seconds);
		else
			printf("FAIL %s\n", name);
		if (res && res->error)
			print_indented(res->error);
		else if (why)
			print_indented(why);
		if (res && res->output && *res->output) {
			printf("    --- output\n");
			print_indented(res->output);
		}
	}
	fflush(stdout);
}

/* the first package of name's dependency closure whose file the index lacks (Pyodide
 * would go to its CDN for it), as a message; NULL when all are there */
static char *missing_dependency(const struct lock *lock, const struct testrun *tr,
	const char *name)
{
	struct strv todo = {0}, seen = {0};
	char *why = NULL;
	strv_add(&todo, name);
	while (todo.n && !why) {
		char *n = todo.v[--todo.n];
		struct lock_pkg l = {0};
		if (strv_has(&seen, n)) {
			free(n);
			continue;
		}
		strv_push(&seen, n);
		if (!lock_get(lock, n, &l)) {
			why = xasprintf("needs %s, which is not in the lockfile", n);
			continue;
		}
		if (strcmp(n, name) != 0 && !testrun_has_file(tr, l.file_name))
			why = xasprintf("needs %s, whose file %s is neither in the dist directory nor "
				"in the runtime (build a recipe for it)", l.name, l.file_name);
		for (size_t i = 0; i < l.depends.n; i++)
			strv_add(&todo, l.depends.v[i]);
		lock_pkg_free(&l);
	}
	strv_free(&todo);
	strv_free(&seen);
	return why;
}

/* what to do for one recipe; false with *why when there is nothing to run */
static bool plan(const struct recipe *r, const struct lock *lock, const struct testrun *tr,
	bool with_tests, struct testrun_pkg *p, char **why, bool *skip)
{
	struct lock_pkg l = {0};
	const char *name = r->package.name.s;
	*skip = false;
	if (r->build.type == RECIPE_STATIC_LIBRARY) {
		*why = xstrdup("static library: nothing to load");
		*skip = true;
		return false;
	}
	if (!lock_get(lock, name, &l)) {
		*why = xasprintf("no entry in the lockfile; build it first (kiln build-recipes %s)", name);
		return false;
	}
	if (!testrun_has_file(tr, l.file_name)) {
		*why = xasprintf("%s is not there: the entry is the runtime's, whose package files "
			"kiln does not have; build it (kiln build-recipes %s)", l.file_name, name);
		lock_pkg_free(&l);
		return false;
	}
	if ((*why = missing_dependency(lock, tr, l.name))) {
		lock_pkg_free(&l);
		return false;
	}
	p->name = name;
	strv_add(&p->load, l.name);
	p->script = r->test.script.set ? r->test.script.s : NULL;
	if (r->build.type != RECIPE_SHARED_LIBRARY) {
		const struct recipe_list *li = r->test.imports.set ? &r->test.imports
			: r->package.top_level.set ? &r->package.top_level : NULL;
		if (li) {
			for (size_t i = 0; i < li->n; i++)
				strv_add(&p->imports, li->v[i].s);
		} else if (l.imports.n) {
			for (size_t i = 0; i < l.imports.n; i++)
				strv_push(&p->imports, import_name(l.imports.v[i]));
		} else {
			strv_push(&p->imports, import_name(name));
		}
	}
	char *tests_name = xasprintf("%s-tests", l.name);
	struct lock_pkg tl = {0};
	if (with_tests && lock_get(lock, tests_name, &tl)) {
		char *tar = NULL;
		p->tests = true;
		strv_add(&p->test_load, tl.name);
		struct lock_pkg pt = {0};
		p->pytest = lock_get(lock, "pytest", &pt) && testrun_has_file(tr, pt.file_name);
		lock_pkg_free(&pt);
		if (testrun_has_file(tr, tl.file_name)) {
			tar = testrun_index_path(tr, tl.file_name);
			testrun_test_modules(tar, &p->test_modules);
		}
		free(tar);
		lock_pkg_free(&tl);
	}
	free(tests_name);
	lock_pkg_free(&l);
	return true;
}

static int run(int argc, char **argv)
{
	struct test_opts o = {.recipes = "recipes", .dist = "dist", .timeout = 60};
	if (!cmd_parse(&cmd_test, &argc, argv, &o))
		return EXIT_USAGE;
	if (!cmd_select_target(&o.t))
		return EXIT_FAIL;
	const char *recipes = o.recipes, *dist = o.dist;
	double timeout = o.timeout;
	bool with_tests = o.with_tests;
	struct tally ty = {.json = o.json};

	struct graph g;
	struct graph_plan sel = {0};
	struct diags d = {0};
	int status = EXIT_FAIL;
	struct lock *lock = NULL;
	struct testrun *tr = NULL;
	char *lockpath = path_join(dist, "pyodide-lock.json");
	graph_init(&g);
	if (!path_is_file(lockpath)) {
		log_err("%s does not exist; build the packages first (kiln build-recipes)", lockpath);
		goto out;
	}
	bool loaded = graph_load_all(&g, recipes, lockpath, true, &d);
	if (!diags_show(&d, recipes) || !loaded)
		goto out;
	if (!graph_plan(&g, (const char *const *)argv + 1, (size_t)(argc - 1), &sel))
		goto out;
	if (!(lock = lock_load(lockpath)))
		goto out;
	const char *pyodide = config_pyodide_dir();
	if (!(tr = testrun_open(pyodide, dist)))
		goto out;
	for (size_t i = 0; i < sel.n; i++) {
		const struct recipe *r = g.nodes[sel.order[i]].r;
		struct testrun_pkg p = {0};
		struct testrun_result res = {0};
		char *why = NULL;
		bool skip;
		if (!plan(r, lock, tr, with_tests, &p, &why, &skip)) {
			report(&ty, r->package.name.s, skip ? "skip" : "fail", NULL, why);
		} else if (!testrun_one(tr, &p, timeout, &res)) {
			testrun_pkg_free(&p);
			goto out;
		} else {
			report(&ty, r->package.name.s, res.ok ? "ok" : "fail", &res, NULL);
		}
		free(why);
		testrun_pkg_free(&p);
		testrun_result_free(&res);
		if (testrun_interrupted()) {
			log_err("interrupted after %s", r->package.name.s);
			goto out;
		}
	}
	if (ty.json) {
		cJSON *j = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(j, "summary");
		cJSON_AddNumberToObject(s, "passed", (double)ty.passed);
		cJSON_AddNumberToObject(s, "failed", (double)ty.failed);
		cJSON_AddNumberToObject(s, "skipped", (double)ty.skipped);
		char *str = cJSON_PrintUnformatted(j);
		puts(str);
		free(str);
		cJSON_Delete(j);
	} else if (ty.skipped) {
		printf("%zu passed, %zu failed, %zu skipped\n", ty.passed, ty.failed, ty.skipped);
	} else {
		printf("%zu passed, %zu failed\n", ty.passed, ty.failed);
	}
	status = ty.failed ? EXIT_FAIL : EXIT_OK;
out:
	testrun_close(tr);
	lock_free(lock);
	free(lockpath);
	graph_plan_free(&sel);
	diags_free(&d);
	graph_free(&g);
	return status;
}

const struct kiln_cmd cmd_test = {
	.name = "test",
	.run = run,
	.summary = "load built packages in Pyodide under node, import them, run test.script",
	.synopsis = "test [--recipes DIR] [--dist DIR] [--timeout SECS] [--with-tests]\n"
		    "          [--log-style text|json] [SELECTION...]",
	.details = "Each selected package is loaded with loadPackage from DIST/pyodide-lock.json\n"
		   "(dependencies included), its test.imports (default: top-level, else the\n"
		   "lockfile's imports) are imported and its test.script is run. Static libraries\n"
		   "are skipped; shared libraries are only loaded. Exit status 1 if any failed.\n\n"
		   "SELECTION (default *): as kiln graph. The runtime is $KILN_PYODIDE or the\n"
		   "pinned Pyodide package; node is $KILN_NODE or node in PATH.",
	.opts = options,
};

/* Drives the wheel, lock and req modules for the shell tests: one action per
 * invocation, results on stdout, failures through the logger (exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "base/log.h"
#include "base/util.h"
#include "recipe/req.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: wheeltool verify WHEEL\n"
		"       wheeltool info WHEEL\n"
		"       wheeltool repack WHEEL OUT\n"
		"       wheeltool lock-roundtrip IN OUT\n"
		"       wheeltool marker MARKER [PYTHON]\n"
		"       wheeltool zip-dir DIR OUT\n"
		"       wheeltool pass-through WHEEL DIST_DIR\n"
		"       wheeltool postprocess BUILD_DIR NAME VERSION WORK_DIR DIST_DIR [options]\n"
		"         --unvendor-tests --retain PATTERN --host-suffix S --vendor LIB --lib-dir DIR\n"
		"         --post SHELL-COMMAND (run in the unpacked wheel) --require-compiled\n");
	return 2;
}

static void print_strv(const char *key, const struct strv *sv)
{
	printf("%s:", key);
	for (size_t i = 0; i < sv->n; i++)
		printf(" %s", sv->v[i]);
	printf("\n");
}

static int info(const char *path)
{
	struct wheel *w = wheel_read(path);
	if (!w)
		return 1;
	char *fn = wheel_file_name(w);
	printf("name: %s\nversion: %s\nsummary: %s\npurelib: %s\ncompiled: %s\nfile_name: %s\n",
		w->meta.name, w->meta.version, w->meta.summary ? w->meta.summary : "",
		w->meta.root_is_purelib ? "true" : "false",
		wheel_has_compiled_modules(w) ? "true" : "false", fn);
	print_strv("tags", &w->meta.tags);
	print_strv("top_level", &w->meta.top_level);
	struct strv needed = {0};
	wheel_needed_libs(w, &needed);
	print_strv("needed", &needed);
	strv_free(&needed);
	for (size_t i = 0; i < w->meta.requires_dist.n; i++)
		printf("requires: %s\n", w->meta.requires_dist.v[i]);
	free(fn);
	wheel_free(w);
	return 0;
}

static bool run_post(const char *dir, void *ctx)
{
	char *cmd = xasprintf("cd '%s' && %s", dir, (const char *)ctx);
	int st = system(cmd);
	free(cmd);
	return st == 0;
}

static int postprocess(int argc, char **argv)
{
	if (argc < 7)
		return usage();
	struct wheel_target t = {
		.python_tag = "cp311",
		.platform_tag = "emscripten_3_1_46_wasm32",
		.host_ext_suffix = ".cpython-311-x86_64-linux-gnu.so",
		.target_ext_suffix = ".cpython-311-wasm32-emscripten.so",
	};
	struct strv retain = {0}, libs = {0}, dirs = {0};
	struct wheel_post_opts o = {
		.name = argv[3],
		.version = argv[4],
		.target = &t,
		.work_dir = argv[5],
		.dist_dir = argv[6],
		.retain_test_patterns = &retain,
	};
	bool require_compiled = false;
	for (int i = 7; i < argc; i++) {
		if (strcmp(argv[i], "--unvendor-tests") == 0)
			o.unvendor_tests = true;
		else if (strcmp(argv[i], "--require-compiled") == 0)
			require_compiled = true;
		else if (i + 1 < argc && strcmp(argv[i], "--retain") == 0)
			strv_add(&retain, argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--host-suffix") == 0)
			t.host_ext_suffix = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--vendor") == 0)
			strv_add(&libs, argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--lib-dir") == 0)
			strv_add(&dirs, argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--post") == 0) {
			o.post = run_post;
			o.post_ctx = argv[++i];
		} else {
			return usage();
		}
	}
	if (libs.n)
		o.vendor_libs = &libs;
	if (dirs.n)
		o.lib_dirs = &dirs;
	struct wheel_post_result r;
	int status = 1;
	if (wheel_postprocess(argv[2], &o, &r)) {
		if (require_compiled && !r.compiled) {
			log_err("%s declares compiled modules but built a pure wheel", o.name);
		} else {
			printf("wheel: %s\ntests: %s\ncompiled: %s\n", r.wheel_path,
				r.tests_path ? r.tests_path : "", r.compiled ? "true" : "false");
			status = 0;
		}
		wheel_post_result_free(&r);
	}
	strv_free(&retain);
	strv_free(&libs);
	strv_free(&dirs);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *act = argv[1];
	if (strcmp(act, "verify") == 0) {
		struct wheel *w = wheel_check(argv[2]);
		if (!w)
			return 1;
		printf("ok %zu files\n", w->n);
		wheel_free(w);
		return 0;
	}
	if (strcmp(act, "info") == 0)
		return info(argv[2]);
	if (strcmp(act, "repack") == 0 && argc == 4) {
		struct wheel *w = wheel_check(argv[2]);
		bool ok = w && wheel_write(w, argv[3]);
		wheel_free(w);
		return ok ? 0 : 1;
	}
	if (strcmp(act, "lock-roundtrip") == 0 && argc == 4) {
		struct lock *l = lock_load(argv[2]);
		bool ok = l && lock_write(l, argv[3]);
		if (ok)
			printf("%zu packages\n", lock_count(l));
		lock_free(l);
		return ok ? 0 : 1;
	}
	if (strcmp(act, "marker") == 0) {
		struct req_env env;
		char pyver[16];
		req_env_pyodide(&env, argc > 3 ? argv[3] : "3.11.3", pyver);
		int v = req_marker_eval(argv[2], &env);
		if (v < 0)
			return 1;
		printf("%s\n", v ? "true" : "false");
		return 0;
	}
	if (strcmp(act, "pass-through") == 0 && argc == 4) {
		struct wheel_target t = {.python_tag = "cp311", .platform_tag = "emscripten_3_1_46_wasm32"};
		struct wheel_post_result r;
		if (!wheel_pass_through(argv[2], &t, argv[3], &r))
			return 1;
		printf("wheel: %s\ncompiled: %s\n", r.wheel_path, r.compiled ? "true" : "false");
		wheel_post_result_free(&r);
		return 0;
	}
	if (strcmp(act, "zip-dir") == 0 && argc == 4) {
		struct wheel *w = wheel_read_tree(argv[2]);
		bool ok = w && wheel_write_zip(w, argv[3]);
		wheel_free(w);
		return ok ? 0 : 1;
	}
	if (strcmp(act, "postprocess") == 0)
		return postprocess(argc, argv);
	return usage();
}

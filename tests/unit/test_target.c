/* Targets: the runtime a spec names among installed ones (newest first, pre-releases
 * before their release), each real runtime's lock read in its format with the wheel
 * platform tag of its ABI, and entries written in the layout of that runtime's lock.
 * Usage: test_target RUNTIMES-DIR (the directory holding pyodide-0.25, -0.29, -314) */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "check.h"
#include "toolchain/runtime.h"

/* what each installed runtime is: the spec, its version, ABI and wheel tags */
static const struct {
	const char *spec, *version, *abi, *tag, *legacy_tag;
	bool shared_library_key, tool_key;
} runtimes[] = {
	{"0.25", "0.25.1", "", "emscripten_3_1_46_wasm32", "emscripten_3_1_46_wasm32", true, false},
	{"0.29", "0.29.5", "2025_0", "pyemscripten_2025_0_wasm32", "pyodide_2025_0_wasm32",
		false, false},
	{"314", "314.0.8", "2026_0", "pyemscripten_2026_0_wasm32", "pyodide_2026_0_wasm32",
		false, true},
};

/* versions of fake installs (package.json only) and what specs pick among them */
static const char *const fake_versions[] = {"0.9.0", "0.10.1", "0.10.0", "314.0.0a2",
	"314.0.0", "315.0.0-alpha.2"};
static const struct {
	const char *spec, *picked;
} picks[] = {
	{"0.10", "0.10.1"}, {"0.9", "0.9.0"}, {"0.10.0", "0.10.0"}, {"314", "314.0.0"},
	{"latest", "314.0.0"}, {"315", "315.0.0-alpha.2"}, {"0.1", NULL}, {"31", NULL},
};

static char *picked_version(const char *dir)
{
	char *pj = path_join(dir, "package.json");
	char *text = read_file(pj, NULL);
	cJSON *j = cJSON_Parse(text ? text : "");
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "version"));
	char *out = xstrdup(v ? v : "?");
	cJSON_Delete(j);
	free(text);
	free(pj);
	return out;
}

static void test_resolution(void)
{
	char tmpl[] = "/tmp/kiln-target-XXXXXX";
	char *root = mkdtemp(tmpl);
	CHECK(root != NULL, "mkdtemp");
	for (size_t i = 0; i < ARRAY_LEN(fake_versions); i++) {
		char *d = xasprintf("%s/pyodide-%zu", root, i);
		char *pj = xasprintf("{\"name\": \"pyodide\", \"version\": \"%s\"}", fake_versions[i]);
		char *p = path_join(d, "package.json");
		mkdir_p(d, 0755);
		write_file_atomic(p, pj, strlen(pj));
		free(p);
		free(pj);
		free(d);
	}
	char *other = xasprintf("%s/not-pyodide", root);
	mkdir_p(other, 0755);
	char *op = path_join(other, "package.json");
	write_file_atomic(op, "{\"name\": \"ws\", \"version\": \"400.0.0\"}", 36);
	setenv("KILN_RUNTIMES", root, 1);
	for (size_t i = 0; i < ARRAY_LEN(picks); i++) {
		char *dir = config_target_dir(picks[i].spec);
		char *v = dir ? picked_version(dir) : NULL;
		CHECK(picks[i].picked ? v && strcmp(v, picks[i].picked) == 0 : dir == NULL,
			"spec %s picked %s, expected %s", picks[i].spec, v ? v : "nothing",
			picks[i].picked ? picks[i].picked : "nothing");
		free(v);
		free(dir);
	}
	char *d = config_target_dir("some/dir");
	CHECK(d && strcmp(d, "some/dir") == 0, "a spec with a slash is a directory");
	free(d);
	unsetenv("KILN_RUNTIMES");
	remove_tree(root);
	free(op);
	free(other);
}

static void test_runtime(const char *runtimes_dir, size_t i)
{
	char *dir = config_target_dir(runtimes[i].spec);
	struct runtime rt;
	CHECK(dir && runtime_load(dir, &rt), "%s: loads", runtimes[i].spec);
	if (!dir)
		return;
	CHECK(strcmp(rt.version, runtimes[i].version) == 0, "%s: version %s", runtimes[i].spec,
		rt.version);
	CHECK(strcmp(rt.abi_version, runtimes[i].abi) == 0, "%s: abi %s", runtimes[i].spec,
		rt.abi_version);
	CHECK(rt.format == (*runtimes[i].abi ? RUNTIME_LOCK_ABI : RUNTIME_LOCK_LEGACY),
		"%s: format %d", runtimes[i].spec, rt.format);
	char *lock_path = path_join(dir, "pyodide-lock.json");
	struct lock *l = lock_load(lock_path), *again = NULL;
	CHECK(l != NULL, "%s: lock loads", lock_path);
	char *tag = lock_platform_tag(l, false), *legacy = lock_platform_tag(l, true);
	CHECK(strcmp(tag, runtimes[i].tag) == 0, "%s: tag %s", runtimes[i].spec, tag);
	CHECK(strcmp(legacy, runtimes[i].legacy_tag) == 0, "%s: legacy tag %s", runtimes[i].spec,
		legacy);
	/* a new entry in the runtime's layout, and the info unchanged */
	struct lock_pkg p;
	lock_pkg_init(&p, LOCK_SHARED_LIBRARY, "kiln-probe", "1.0", "kiln_probe-1.0.zip", "00");
	lock_set(l, &p);
	char *text = lock_render(l);
	again = lock_parse(text, strlen(text), "rendered");
	CHECK(again && lock_info_equal(again, l), "%s: info survives", runtimes[i].spec);
	cJSON *j = cJSON_Parse(text);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "packages"), "kiln-probe");
	CHECK(cJSON_HasObjectItem(e, "shared_library") == runtimes[i].shared_library_key,
		"%s: shared_library key", runtimes[i].spec);
	CHECK(cJSON_HasObjectItem(e, "tool") == runtimes[i].tool_key, "%s: tool key",
		runtimes[i].spec);
	CHECK(cJSON_GetArraySize(e) == 9 + runtimes[i].shared_library_key + runtimes[i].tool_key,
		"%s: %d keys", runtimes[i].spec, cJSON_GetArraySize(e));
	cJSON_Delete(j);
	lock_pkg_free(&p);
	free(text);
	lock_free(again);
	lock_free(l);
	free(tag);
	free(legacy);
	free(lock_path);
	runtime_free(&rt);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_target RUNTIMES-DIR\n");
		return 2;
	}
	test_resolution();
	setenv("KILN_RUNTIMES", argv[1], 1);
	for (size_t i = 0; i < ARRAY_LEN(runtimes); i++)
		test_runtime(argv[1], i);
	/* the ABI of Pyodide 0.26-0.27, which no installed runtime has */
	char *t = runtime_wheel_platform("2024_0", "emscripten_3_1_58", "wasm32", false);
	CHECK(strcmp(t, "pyodide_2024_0_wasm32") == 0, "2024_0: %s", t);
	free(t);
	/* locks of different runtimes differ in info */
	char *a = xasprintf("%s/pyodide-0.29/pyodide-lock.json", argv[1]);
	char *b = xasprintf("%s/pyodide-314/pyodide-lock.json", argv[1]);
	struct lock *la = lock_load(a), *lb = lock_load(b);
	CHECK(la && lb && !lock_info_equal(la, lb), "0.29 and 314 infos differ");
	lock_free(la);
	lock_free(lb);
	free(a);
	free(b);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}

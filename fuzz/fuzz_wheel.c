/* wheel_read (zip, WHEEL, METADATA, top_level.txt), the RECORD check and what
 * the lockfile and post-processing derive from a wheel */
#include <stdlib.h>

#include "artifact/lock.h"
#include "artifact/wheel.h"
#include "common.h"

static struct lock *lock;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char json[] = "{\"info\": {\"arch\": \"wasm32\", \"platform\": "
		"\"emscripten_3_1_46\", \"python\": \"3.11.3\", \"version\": \"0.25.1\"}, "
		"\"packages\": {}}";
	lock = lock_parse(json, sizeof(json) - 1, "fuzz-lock.json");
	if (!lock)
		abort();
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("fuzz_pkg-1.0-py3-none-any.whl", data, size);
	struct wheel *w = wheel_read(path);
	if (!w)
		return 0;
	wheel_verify_record(w);
	free(wheel_tag_string(w));
	free(wheel_file_name(w));
	wheel_has_compiled_modules(w);
	wheel_check_wasm(w);
	struct strv needed = {0};
	wheel_needed_libs(w, &needed);
	strv_free(&needed);
	struct strv also = {0};
	strv_add(&also, "numpy");
	struct lock_pkg p = {0};
	lock_pkg_from_wheel(&p, w, "fuzz_pkg-1.0-py3-none-any.whl", "00", lock, &also);
	lock_pkg_free(&p);
	strv_free(&also);
	wheel_free(w);
	return 0;
}

/* lock_parse (pyodide-lock.json) and the deterministic rewrite of what it accepted */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/lock.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock *l = lock_parse((const char *)data, size, "fuzz.json");
	if (!l)
		return 0;
	free(lock_platform_tag(l, false));
	free(lock_python_tag(l));
	lock_has(l, "numpy");
	struct lock_pkg p = {0};
	if (lock_get(l, "Numpy", &p))
		lock_pkg_free(&p);
	char *text = lock_render(l);
	/* what kiln writes, it reads back and writes identically */
	struct lock *again = lock_parse(text, strlen(text), "rendered");
	if (!again) {
		fprintf(stderr, "lock_render output does not parse:\n%s\n", text);
		abort();
	}
	char *text2 = lock_render(again);
	if (strcmp(text, text2) != 0) {
		fprintf(stderr, "lock_render is not stable:\n%s\n---\n%s\n", text, text2);
		abort();
	}
	free(text2);
	lock_free(again);
	free(text);
	lock_remove(l, "numpy");
	lock_free(l);
	return 0;
}

/* Feed saved inputs (files, or every file of directories) to a fuzz target's
 * entry point, built without libFuzzer: the regression suite for crashes the
 * fuzzers found. Exit 0 when every input ran (the target itself aborts on a bug). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "common.h"

static int run_file(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);
	if (!data) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int n = 0, bad = 0;
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: no such file\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad += run_file(argv[i]);
			n++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct strv names = {0};
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				strv_push(&names, path_join(argv[i], e->d_name));
		if (d)
			closedir(d);
		qsort(names.v, names.n, sizeof(*names.v), cmp);
		for (size_t j = 0; j < names.n; j++) {
			bad += run_file(names.v[j]);
			n++;
		}
		strv_free(&names);
	}
	printf("%d inputs, %d unreadable\n", n, bad);
	return bad ? 1 : 0;
}

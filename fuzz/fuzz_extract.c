/* extract_archive (tar in every compression, zip) into a fresh directory */
#include <stdlib.h>

#include "base/util.h"
#include "build/extract.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits keep each run fast; the limit logic is exercised all the same */
	static const struct extract_limits lim = {
		.max_entry_size = 1 << 20,
		.max_total_size = 4 << 20,
		.max_ratio = 200,
		.ratio_floor = 1 << 20,
		.max_entries = 2000,
	};
	const char *archive = fuzz_write("input.tar.gz", data, size);
	char *dest = path_join(fuzz_scratch(), "out");
	char *stem = extract_archive_stem(archive);
	extract_archive(archive, dest, &lim);
	remove_tree(dest);
	free(stem);
	free(dest);
	return 0;
}

/* unpack_archive (tar in every compression, zip) into a fresh directory */
#include <stdlib.h>

#include "base/util.h"
#include "build/srctree.h"
#include "build/unpack.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits keep each run fast; the limit logic is exercised all the same */
	static const struct unpack_limits lim = {
		.max_entry_size = 1 << 20,
		.max_total_size = 4 << 20,
		.max_ratio = 200,
		.ratio_floor = 1 << 20,
		.max_entries = 2000,
	};
	const char *archive = fuzz_write("input.tar.gz", data, size);
	char *dest = path_join(fuzz_scratch(), "out");
	char *stem = srctree_archive_stem(archive);
	unpack_archive(archive, dest, &lim);
	remove_tree(dest);
	free(stem);
	free(dest);
	return 0;
}

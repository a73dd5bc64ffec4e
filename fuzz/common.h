#ifndef KILN_FUZZ_COMMON_H
#define KILN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Shared by the libFuzzer targets and the regression driver (regress.c),
 * which feeds saved inputs to the same entry point in the normal ASan build. */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a private scratch directory for this process (created once, removed at exit) */
const char *fuzz_scratch(void);
/* write data to <scratch>/name and return the path (static storage) */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* silence kiln's log channel (targets produce errors on almost every input) */
void fuzz_quiet(void);

#endif

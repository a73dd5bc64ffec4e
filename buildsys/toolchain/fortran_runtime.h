#ifndef KILN_FORTRAN_RUNTIME_H
#define KILN_FORTRAN_RUNTIME_H

#include <stdbool.h>

#include "base/util.h"

/* The wasm32 Fortran runtime: flang/runtime and flang/lib/Decimal of Debian's
 * llvm-toolchain-19 source package, patched for flang's i386 layouts and compiled with
 * em++ on LLVM 19; and the function signatures of wasm objects the fix-ups narrow calls
 * to. */

/* Build the runtime once per set of inputs into <cache>/fortran-runtime/<hash>/
 * (libFortranRuntime.a, signatures.tsv) and return that directory (caller frees), or
 * NULL on failure. Honours $KILN_FORTRAN_RUNTIME as a prebuilt directory. */
char *fortran_runtime_ensure(void);

/* write the function signatures defined or imported by the wasm objects of
 * an archive (or a single object) as NAME<TAB>PARAMS<TAB>RESULTS lines */
bool fortran_wasm_signatures(const char *path, const char *out);

/* add the names of the functions the wasm objects in path (an archive or one
 * object) define and export to names */
bool fortran_wasm_defined_functions(const char *path, struct strv *names);

/* run argv (searched in PATH) in cwd (NULL: current), stdout to out_path
 * (NULL: inherited); true when it exits with status 0 */
bool fortran_run(const char *const argv[], const char *cwd, const char *out_path);
/* the same with stderr to err_path */
bool fortran_run_err(const char *const argv[], const char *cwd, const char *out_path, const char *err_path);

#endif

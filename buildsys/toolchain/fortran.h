#ifndef KILN_FORTRAN_H
#define KILN_FORTRAN_H

#include <stdbool.h>

#include "base/util.h"

/* The Fortran compiler driver (gfortran/f77/f90/f95/flang): flang-new-19 for
 * i386, kiln-irfix, opt-19 and llc-19 to wasm32 objects; links through emcc.
 * Returns a process exit status. */
int fortran_main(int argc, char **argv);

/* true for the driver names the wrapper dispatches to fortran_main */
bool fortran_is_driver_name(const char *name);

/* Rewrite -lgfortran/-lflang/-lFortranRuntime in a C link line to the wasm32
 * runtime archive (building it if needed); false if it cannot be provided. */
bool fortran_rewrite_link_args(struct strv *args);

/* The wasm32 Fortran runtime: builds it once per set of inputs into
 * <cache>/fortran-runtime/<hash>/ (libFortranRuntime.a, signatures.tsv) and
 * returns that directory (caller frees), or NULL on failure. Honours
 * $KILN_FORTRAN_RUNTIME as a prebuilt directory. */
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

#ifndef KILN_FORTRAN_H
#define KILN_FORTRAN_H

#include <stdbool.h>

#include "base/util.h"

/* The Fortran compiler driver (gfortran/f77/f90/f95/flang): flang-new-19 --target=i386
 * (flang has no wasm32 target), kiln-irfix (retarget and fix-ups), opt-19 and llc-19 to
 * wasm32 objects; links through emcc. cmd/tool_fortran.c is the program. */

/* true for the driver names main() dispatches to the Fortran driver */
bool fortran_is_driver_name(const char *name);

/* The answer to the first query option of argv[1..argc) (--version, -dumpversion,
 * -print-*), newly allocated, for standard output; *rc is the exit status. NULL when
 * there is none. prog is the name the driver was started as. */
char *fortran_query(const char *prog, int argc, char **argv, int *rc);
/* what --version (and -v alone) shows, newly allocated */
char *fortran_version(const char *prog);
/* Compile and link as a Fortran driver's command line asks (argv[0] names the driver);
 * returns a process exit status. The compilers' own messages, and with -v the commands
 * run and the version, are passed on through log_info. */
int fortran_drive(int argc, char **argv);

/* Rewrite -lgfortran/-lflang/-lFortranRuntime in a C link line to the wasm32
 * runtime archive (building it if needed); false if it cannot be provided. */
bool fortran_rewrite_link_args(struct strv *args);

#endif

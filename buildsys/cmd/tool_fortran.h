#ifndef KILN_TOOL_FORTRAN_H
#define KILN_TOOL_FORTRAN_H

/* kiln started as gfortran, f77, f90, f95, flang or flang-new: the Fortran compiler
 * driver (toolchain/fortran.h, docs/fortran.md), which needs no cross environment. */

/* the driver's main(): answers a query option on standard output, else compiles and
 * links; returns an exit status */
int tool_fortran_main(int argc, char **argv);

#endif

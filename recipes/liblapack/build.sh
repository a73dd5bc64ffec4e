#!/usr/bin/env bash
# Reference BLAS + LAPACK 3.11.0 as one side module, liblapack.so.
#
# LAPACK's own make build (make.inc below) compiles every Fortran source with
# the cross environment's gfortran (kiln's flang driver) into librefblas.a
# and liblapack.a; their members are linked into $DISTDIR/liblapack.so and
# the library plus kiln_lapack.h are installed into $WASM_LIBRARY_DIR for
# dependents (-llapack).
#
# XERBLA: both copies (BLAS/SRC and SRC) are replaced by xerbla.f, which
# records the routine and argument number in kiln_lapack.c's error state and
# returns instead of STOPping; an extension calls kiln_lapack_clear() before
# and kiln_lapack_error() after a LAPACK call and raises (no longjmp).
#
# LAPACK_ROUTINES="dgesv dgetrf ..." builds all of BLAS but only the named
# LAPACK routines (SRC/<name>.f or .f90) plus dlamch: for tests. Unset, the
# full library is built (make blaslib lapacklib, about 2200 sources).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobs=${PYODIDE_JOBS:-2}

cp "$here/xerbla.f" SRC/xerbla.f
cp "$here/xerbla.f" BLAS/SRC/xerbla.f
cat > make.inc <<MK
SHELL = /bin/sh
CC = ${CC:-emcc}
CFLAGS = -O2 -fPIC
FC = gfortran
FFLAGS = -O2
FFLAGS_DRV = \$(FFLAGS)
FFLAGS_NOOPT = -O0
LDFLAGS =
AR = emar
ARFLAGS = cr
RANLIB = emranlib
TIMER = NONE
BLASLIB = \$(TOPSRCDIR)/librefblas.a
LAPACKLIB = \$(TOPSRCDIR)/liblapack.a
MK
unset MAKEFLAGS
make -j"$jobs" blaslib
if [ -n "${LAPACK_ROUTINES:-}" ]; then
	objs=()
	for r in $LAPACK_ROUTINES xerbla; do
		src=SRC/$r.f
		[ -e "$src" ] || src=SRC/$r.f90
		[ -e "$src" ] || { echo "build.sh: no LAPACK source for $r" >&2; exit 1; }
		gfortran -O2 -c "$src" -o "SRC/$r.o"
		objs+=("SRC/$r.o")
	done
	gfortran -O0 -c INSTALL/dlamch.f -o INSTALL/dlamch.o
	objs+=(INSTALL/dlamch.o)
	rm -f liblapack.a
	emar cr liblapack.a "${objs[@]}"
else
	make -j"$jobs" lapacklib
fi

rm -rf objs && mkdir objs
(cd objs && emar x ../librefblas.a && emar x ../liblapack.a)
emcc -O2 -fPIC -c "$here/kiln_lapack.c" -o objs/kiln_lapack.o
gfortran -shared -o liblapack.so objs/*.o

mkdir -p "$DISTDIR" "$WASM_LIBRARY_DIR/lib" "$WASM_LIBRARY_DIR/include"
cp liblapack.so "$DISTDIR"/
cp liblapack.so "$WASM_LIBRARY_DIR/lib"/
cp "$here/kiln_lapack.h" "$WASM_LIBRARY_DIR/include"/

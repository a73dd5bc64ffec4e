#!/usr/bin/env bash
# Fortran through the wrapper path into the real Pyodide 0.25.1 under node,
# compared with the same sources built natively by flang-19 (x86-64) in the
# same run. Usage: pyodide.sh KILN SRCDIR PYODIDE_DIR
set -u
kiln=$1
src=$2/src
pyodide=$3
here=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$kiln" "$work/gfortran"
fc=$work/gfortran
cd "$work" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; for f in "$@"; do sed 's/^/  | /' "$f" | head -40; done; }

# compare NAME WASM_OUT NATIVE_OUT
compare() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1: $(wc -l <"$2") lines identical to native"
	else
		bad "$1 differs from native" "$2" "$3"
		diff "$3" "$2" | head -20
	fi
}

# BLAS-like kernels: bit-identical results
mkdir -p native
if "$fc" -O2 -shared "$src/kernels.f" -o kernels.so 2>k.err &&
	node "$here/pyodide-run.mjs" "$pyodide" kernels.so kernels >kernels.wasm.txt 2>>k.err; then
	(cd native && flang-new-19 -O2 "$src/kernels.f" "$src/kernels_main.f90" -o kernels && ./kernels) >kernels.native.txt 2>>k.err
	compare "KDOT/KAXPY/KGEMM in Pyodide (bit patterns)" kernels.wasm.txt kernels.native.txt
else bad "kernels in Pyodide" k.err; fi

# F90 features: allocatables, intrinsics, I/O, derived types with finalizers
mkdir -p mods
if "$fc" -O2 -J mods -c "$src/features.f90" -o features.o 2>f.err &&
	"$fc" -shared features.o -o features.so 2>>f.err &&
	node "$here/pyodide-run.mjs" "$pyodide" features.so features >features.wasm.txt 2>>f.err; then
	(cd native && flang-new-19 -O2 "$src/features.f90" "$src/features_main.f90" -o features && ./features) >features.native.txt 2>>f.err
	compare "F90 features in Pyodide (unit 6 output)" features.wasm.txt features.native.txt
else bad "features in Pyodide" f.err; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# DGEMM n=200 (reference BLAS dgemm.f, 'N','T', alpha 1.5, beta 0.5) built three ways,
# all driven by bench/lapack/bench.c:
#   flang: kiln's Fortran driver (flang-19 i386 proxy + kiln-irfix + llc), side module in Pyodide
#   f2c:   Debian's f2c to C, then emcc -O2, side module in Pyodide
#   native: gfortran -O2 (x86-64), no wasm
# Prints seconds per DGEMM and the ratios, from one run. Installs f2c and libf2c2-dev if missing.
# usage: bench/lapack.sh [KILN] [REPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=$(realpath "${1:-$root/build/buildsys/kiln}")
reps=${2:-20}
n=200
work=${KILN_BENCH_DIR:-$root/cache/bench}/lapack
mkdir -p "$work"
export KILN_CACHE=${KILN_CACHE:-$root/cache}
# f2c, and libf2c2-dev for f2c.h (copied next to the generated C: emcc must not see /usr/include)
[ -x /usr/bin/f2c ] && [ -r /usr/include/f2c.h ] || apt-get install -y f2c libf2c2-dev >/dev/null
syspath=$PATH
eval "$("$kiln" crossenv env)"
pyodide=$("$kiln" crossenv show --get pyodide_dir)

cd "$work"
if [ ! -d lapack-3.11.0 ]; then
	apt-get source --download-only lapack >/dev/null 2>&1
	tar xzf lapack_3.11.0.orig.tar.gz
fi
B=$work/lapack-3.11.0/BLAS/SRC
bench=$root/bench/lapack

# kiln's flang path
gfortran -O2 -c "$B/dgemm.f" -o dgemm-flang.o
gfortran -O2 -c "$B/lsame.f" -o lsame-flang.o
emcc -O2 -fPIC -c "$bench/bench.c" -o bench-wasm.o
gfortran -shared -o flang.so bench-wasm.o dgemm-flang.o lsame-flang.o
# f2c + emcc
mkdir -p f2c && cp /usr/include/f2c.h f2c/ && (cd f2c && f2c -a -A "$B/dgemm.f" "$B/lsame.f" >/dev/null 2>&1)
emcc -O2 -fPIC -c f2c/dgemm.c -o dgemm-f2c.o
emcc -O2 -fPIC -c f2c/lsame.c -o lsame-f2c.o
emcc -O2 -fPIC -DF2C -c "$bench/bench.c" -o bench-f2c.o
emcc -O2 -sSIDE_MODULE=2 -sEXPORTED_FUNCTIONS=_kbench -o f2c.so bench-f2c.o dgemm-f2c.o lsame-f2c.o
# native gfortran
PATH=$syspath /usr/bin/gfortran -O2 -c "$B/dgemm.f" "$B/lsame.f"
PATH=$syspath /usr/bin/gcc -O2 -c "$bench/bench.c" -o bench-native.o
PATH=$syspath /usr/bin/gcc -O2 "$bench/native-main.c" bench-native.o dgemm.o lsame.o -o native

read -r tf vf < <(node "$bench/run.mjs" "$pyodide" "$work/flang.so" $n "$reps")
read -r tc vc < <(node "$bench/run.mjs" "$pyodide" "$work/f2c.so" $n "$reps")
read -r tn vn < <(./native $n "$reps")
echo "DGEMM n=$n ('N','T'), seconds per call, $reps calls each (c[0]: $vf / $vc / $vn)"
/usr/bin/python3 - "$tf" "$tc" "$tn" <<'PY'
import sys
f, c, n = map(float, sys.argv[1:])
print(f"  flang (Pyodide)  {f:.6f} s   {f / n:.2f}x native   {f / c:.2f}x f2c")
print(f"  f2c   (Pyodide)  {c:.6f} s   {c / n:.2f}x native")
print(f"  native gfortran  {n:.6f} s")
PY

#!/usr/bin/env bash
# C and C++ extensions under a target ABI with wasm exceptions (2025_0 and later), built
# through kiln's wrapper with the toolchain crossenv setup picks for the target, loaded in
# that real runtime under node: setjmp/longjmp across 40 frames, time() and stat() (a file
# time after 2038), C++ exceptions thrown and caught inside the module, libc++ containers.
# usage: abi2025-test.sh KILN TARGET
# Exit 77 (skipped) only when the target's Python headers are not available.
set -euo pipefail
kiln=$(realpath "$1")
target=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
unset KILN_CROSSENV KILN_PYODIDE
export KILN_TARGET=$target

if ! "$kiln" crossenv setup >"$work/setup.log" 2>&1; then
	if grep -q "no headers for Python" "$work/setup.log"; then
		echo "SKIP: $(grep -o 'no headers for Python [0-9.]*' "$work/setup.log" | head -1)" \
			"(give KILN_PYTHON_INCLUDE)"
		exit 77
	fi
	cat "$work/setup.log"
	exit 1
fi
[ "$("$kiln" crossenv show --get emcc_version)" != 3.1.6 ] || { echo "3.1.6 chosen for $target"; exit 1; }
pyodide=$("$kiln" crossenv show --get pyodide_dir)
suffix=$("$kiln" crossenv show --get ext_suffix)
eval "$("$kiln" crossenv env)"
cd "$work"
# the ABI's flags come from the wrapper: the command lines carry none
KILN_WRAP_DRY_RUN=1 KILN_WRAP_NO_FASTPATH=1 cc -O2 -fPIC -c "$here/src/cabi.c" -o x.o |
	grep -q -- '-fwasm-exceptions -sSUPPORT_LONGJMP=wasm' ||
	{ echo "the wrapper did not add the ABI's flags"; exit 1; }
# and the fast path (clang directly) gives clang what emcc gives it for them
fast=$(KILN_WRAP_DRY_RUN=1 cc -O2 -fPIC -c "$here/src/cabi.c" -o x.o)
[[ $fast == */clang\ * && $fast == *-wasm-enable-sjlj* && $fast == *-fwasm-exceptions* &&
	$fast != *-fignore-exceptions* ]] || { echo "fast path without the ABI's clang flags: $fast"; exit 1; }
cc -O2 -fPIC -I"$PYTHONINCLUDE" -c "$here/src/cabi.c" -o cabi.o
cc -shared cabi.o -o "cabi$suffix"
c++ -O2 -fPIC -std=c++17 -I"$PYTHONINCLUDE" -c "$here/src/cxxabi.cpp" -o cxxabi.o
c++ -shared cxxabi.o -o "cxxabi$suffix"
node "$here/run.mjs" "$pyodide" "$here/driver.py" "cabi$suffix" "cxxabi$suffix" >out.txt
cat out.txt
n_ok=$(grep -c '^ok ' out.txt || true)
if grep -q '^FAIL\|^ERROR' out.txt || ! grep -qx done out.txt || [ "$n_ok" -lt 13 ]; then
	echo "FAILED in Pyodide $("$kiln" crossenv show --get pyodide_version)"
	exit 1
fi
echo "all $n_ok checks passed in Pyodide $("$kiln" crossenv show --get pyodide_version)"

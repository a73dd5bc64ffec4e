#!/usr/bin/env bash
# Meson (project(..., 'c', 'fortran') with a cross file) and CMake
# (enable_language(Fortran)) find the driver as a working Fortran compiler,
# build a side module from Fortran + C, and the module works in Pyodide.
# Usage: buildsystems.sh KILN SRCDIR PYODIDE_DIR
set -u
kiln=$1
here=$2
pyodide=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$kiln" "$work/bin/gfortran"
cd "$work" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; for f in "$@"; do tail -n 30 "$f" | sed 's/^/  | /'; done; }

cat >cross.ini <<EOC
[binaries]
c = 'emcc'
fortran = '$work/bin/gfortran'
ar = 'emar'

[host_machine]
system = 'emscripten'
cpu_family = 'wasm32'
cpu = 'wasm32'
endian = 'little'
EOC
if meson setup mb "$here/meson-project" --cross-file cross.ini -Db_lundef=false >meson.log 2>&1 &&
	grep -q "fortran compiler id: flang" meson.log; then
	ok "meson: Fortran compiler detected (flang) and working"
	if ninja -C mb >>meson.log 2>&1 && [ -s mb/ftest.so ] &&
		[ "$(node "$here/pyodide-run.mjs" "$pyodide" mb/ftest.so call glue_dot 2>>meson.log)" = 16 ]; then
		ok "meson: C + Fortran side module (with a module) works in Pyodide"
	else bad "meson build" meson.log; fi
else bad "meson setup" meson.log mb/meson-logs/meson-log.txt; fi

cat >toolchain.cmake <<EOC
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER emcc)
set(CMAKE_Fortran_COMPILER $work/bin/gfortran)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
EOC
if cmake -G Ninja -S "$here/cmake-project" -B cb -DCMAKE_TOOLCHAIN_FILE="$work/toolchain.cmake" >cmake.log 2>&1 &&
	grep -q "fortran compiler id: LLVMFlang" cmake.log; then
	ok "cmake: enable_language(Fortran) finds a working compiler (LLVMFlang)"
	if cmake --build cb >>cmake.log 2>&1 && [ -s cb/ftest.so ] &&
		[ "$(node "$here/pyodide-run.mjs" "$pyodide" cb/ftest.so call glue_dot 2>>cmake.log)" = 16 ]; then
		ok "cmake: C + Fortran side module works in Pyodide"
	else bad "cmake build" cmake.log; fi
else bad "cmake configure" cmake.log cb/CMakeFiles/CMakeError.log; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

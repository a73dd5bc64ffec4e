#!/usr/bin/env bash
# cmake and meson through the wrapper's bin/: each configures and builds a static library
# whose member is a wasm object. usage: buildsys-test.sh KILN
set -euo pipefail
kiln=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
eval "$("$kiln" crossenv env 2>/dev/null)"
cd "$work"
printf 'int t(void) { return 3; }\n' >t.c
printf 'cmake_minimum_required(VERSION 3.13)\nproject(t C)\nadd_library(t STATIC t.c)\n' >CMakeLists.txt
printf "project('t', 'c')\nstatic_library('t', 't.c')\n" >meson.build
[ "$(command -v cmake)" = "$KILN_CROSSENV/bin/cmake" ]
[ "$(command -v meson)" = "$KILN_CROSSENV/bin/meson" ]
cmake -S . -B cb >cmake.log 2>&1 || { cat cmake.log; exit 1; }
grep -q "CMAKE_TOOLCHAIN_FILE:FILEPATH=$CMAKE_TOOLCHAIN_FILE" cb/CMakeCache.txt
cmake --build cb >>cmake.log 2>&1 || { cat cmake.log; exit 1; }
meson setup mb >meson.log 2>&1 || { cat meson.log; exit 1; }
grep -q "Host machine cpu family: wasm32" meson.log
ninja -C mb >>meson.log 2>&1 || { cat meson.log; exit 1; }
nm=$("$kiln" crossenv show --get llvm_nm)
for pair in cb/libt.a:cb/CMakeFiles/t.dir/t.c.o mb/libt.a:mb/libt.a.p/t.c.o; do
	a=${pair%%:*} o=${pair#*:}
	"$nm" --defined-only "$a" | grep -q ' T t$' || { echo "$a: does not define t"; exit 1; }
	[ "$(head -c 4 "$o" | od -An -c | tr -d ' ')" = '\0asm' ] || { echo "$o: not wasm"; exit 1; }
	echo "ok   $a: defines t, from the wasm object $o"
done

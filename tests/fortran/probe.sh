#!/usr/bin/env bash
# Compile-only probing as configure scripts, meson and CMake do it, through
# the driver names. Usage: probe.sh KILN
set -u
kiln=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in gfortran f77 f90 f95 flang; do ln -s "$kiln" "$work/$n"; done
cd "$work" || exit 1
pass=0 fail=0
check() { # NAME COMMAND... ; expects status 0
	local name=$1; shift
	if "$@" >out.txt 2>err.txt; then pass=$((pass + 1)); echo "ok   $name"
	else fail=$((fail + 1)); echo "FAIL $name"; cat out.txt err.txt | sed 's/^/  | /'; fi
}
for n in gfortran f77 f90 f95 flang; do
	check "$n --version names flang 19 (meson: FlangFortranCompiler)" \
		sh -c "./$n --version | head -1 | grep -q '^flang-new version 19\.'"
done
check "-dumpversion" sh -c "./gfortran -dumpversion | grep -qx '19\.[0-9]*\.[0-9]*'"
check "-dumpmachine" sh -c "[ \"\$(./gfortran -dumpmachine)\" = wasm32-unknown-emscripten ]"
check "-v alone: version on stderr" sh -c "./gfortran -v 2>&1 >/dev/null | grep -q '^Target: wasm32-unknown-emscripten'"
check "-print-file-name=libgfortran.a is the runtime archive" \
	sh -c "f=\$(./gfortran -print-file-name=libgfortran.a) && [ -f \"\$f\" ] && case \$f in */libFortranRuntime.a) ;; *) false ;; esac"
check "-Wl,--version: the linker is LLD (meson's linker probe)" sh -c "./gfortran -Wl,--version | grep -q LLD"
printf '      PROGRAM P\n#ifdef X\n      PRINT *, X\n#endif\n      END\n' >p.F
check "-E -D on fixed form" sh -c "./gfortran -E -DX=42 p.F | grep -q 'PRINT \*, 42'"
check "no input files: status 1" sh -c "! ./gfortran -c 2>e && grep -q 'no input files' e"
check "-fopenmp is refused" sh -c "! ./gfortran -fopenmp -c p.F 2>e && grep -q OpenMP e"
check "unknown gfortran flags are ignored" ./gfortran -Wall -Wno-maybe-uninitialized -fno-second-underscore -g -Minform=inform -c p.F -o p.o
check "-c without -o writes NAME.o" sh -c "./f77 -c p.F && [ -s p.o ]"
check "a syntax error fails the compile" sh -c "printf 'program q\n  x = = 1\nend\n' >q.f90; ! ./gfortran -c q.f90 2>/dev/null"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

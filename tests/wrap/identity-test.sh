#!/usr/bin/env bash
# The wrapper's fast path (clang run directly with emcc's flags) must produce objects
# byte-identical to emcc's for the same command line. Compiles real C and C++ files with
# several flag sets both ways and compares the bytes, for the target of $KILN_TARGET (the
# wrapper adds the target ABI's flags, so emcc gets them too). usage: identity-test.sh KILN
set -uo pipefail
kiln=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache} NO_COLOR=1
env=$("$kiln" crossenv setup 2>/dev/null) || exit 1
export KILN_CROSSENV=$env
unset KILN_WRAP_DRY_RUN KILN_WRAP_NO_FASTPATH EMCC_CFLAGS
emcc=$("$kiln" crossenv show --get emcc)
emxx=$("$kiln" crossenv show --get emxx)
tinc=$("$kiln" crossenv show --get include)
abi=$("$kiln" crossenv show --get abi_flags)
[ "$("$kiln" crossenv show --get fastpath)" = yes ] || { echo "FAIL setup did not prove the fast path"; exit 1; }
werror="-Werror=implicit-function-declaration -Werror=mismatched-parameter-types -Werror=return-type"
tests=/usr/share/emscripten/tests
mkdir -p "$work/inc"
echo '#define FROM_INC 7' >"$work/inc/extra.h"
printf '#include "extra.h"\nint from_inc(void) { return FROM_INC; }\n' >"$work/inc_user.c"

# file | flag sets separated by ';'
cases=(
	"$here/../crossenv/ext/demo.c|-O2 -g0 -fPIC -I$tinc;-O0 -fPIC -I$tinc -DNDEBUG;-Os -I $tinc -g"
	"$here/src/lib.c|-O0;-O2 -fPIC;-Oz -fvisibility=hidden;-O3 -std=c99 -g3;-O2 -g1 -fPIC -fvisibility=hidden"
	"$work/inc_user.c|-O2 -I$work/inc;-O1 -iquote $work/inc -MD -MF $work/dep.d"
	"$tests/sha1.c|-O2 -fPIC;-O0 -g"
	"$tests/benchmark/linpack2.c|-O2 -g0;-O3 -ffast-math -Wall"
	"$tests/test_c_preprocessor.c|-O2 -std=gnu11;-O0 -w"
	"$tests/havlak.cpp|-O2 -std=c++17;-O0 -g -fno-rtti"
	"$tests/whets.cpp|-O2 -fPIC;-O3 -fno-exceptions"
	"$tests/bigswitch.cpp|-Os -std=c++14"
	"$tests/fasta.cpp|-O2 -DNDEBUG"
)
pass=0 fail=0 skip=0
for c in "${cases[@]}"; do
	src=${c%%|*}
	IFS=';' read -r -a sets <<<"${c#*|}"
	if [ ! -f "$src" ]; then
		echo "skip $src (not installed)"
		skip=$((skip + 1))
		continue
	fi
	case $src in *.cpp) tool=c++ em=$emxx ;; *) tool=cc em=$emcc ;; esac
	for flags in "${sets[@]}"; do
		read -r -a f <<<"$flags"
		name="$(basename "$src") [$flags]"
		dry=$(KILN_WRAP_DRY_RUN=1 "$env/bin/$tool" "${f[@]}" -c "$src" -o "$work/w.o")
		if [[ $dry != */clang* ]]; then
			echo "FAIL $name: the fast path was not taken: $dry"
			fail=$((fail + 1))
			continue
		fi
		rm -f "$work/w.o" "$work/e.o"
		"$env/bin/$tool" "${f[@]}" -c "$src" -o "$work/w.o" 2>"$work/w.err"
		s1=$?
		# shellcheck disable=SC2086
		"$em" $werror $abi "${f[@]}" -c "$src" -o "$work/e.o" 2>"$work/e.err"
		s2=$?
		if [ $s1 != 0 ] && [ $s1 = $s2 ] && cmp -s "$work/w.err" "$work/e.err"; then
			# this toolchain refuses the file (3.1.69's fakesdl SDL.h): same status, same words
			echo "skip $name (emcc refuses it too: $(grep -m1 error: "$work/e.err"))"
			skip=$((skip + 1))
		elif [ $s1 != 0 ] || [ $s2 != 0 ]; then
			echo "FAIL $name: status wrapper $s1, emcc $s2"; head -5 "$work/w.err" "$work/e.err"
			fail=$((fail + 1))
		elif cmp -s "$work/w.o" "$work/e.o"; then
			echo "ok   $name ($(stat -c %s "$work/w.o") bytes)"
			pass=$((pass + 1))
		else
			echo "FAIL $name: objects differ"
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$pass" -ge 10 ]

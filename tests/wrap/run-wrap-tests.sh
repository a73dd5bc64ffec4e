#!/usr/bin/env bash
# Data-driven tests of the compiler wrapper. Usage: run-wrap-tests.sh KILN DIR
#
# Sets up a cross environment, builds the fixture objects of DIR/src through the wrapper,
# then runs each DIR/*.test case with KILN_WRAP_DRY_RUN=1 (the wrapper prints the command
# it would exec). Case format:
#   # comment lines
#   tool: NAME               (the bin/ tool to run, default cc)
#   args: ARGUMENTS          (split by the shell in the work directory; $HOSTINC is the
#                             host Python's include dir, $TARGETINC the one the
#                             target's sysconfig names)
#   env: NAME=VALUE          (repeatable)
#   exit: N                  (expected status, default 0)
#   --- stdout               (the rest up to the next section must equal stdout)
#   --- stdout-contains      (each non-empty line must occur in stdout)
#   --- stdout-lacks         (no non-empty line may occur in stdout)
#   --- stderr-contains      (each non-empty line must occur in stderr)
# In expected output @ENV@ stands for the environment's directory, @CLANG@/@CLANGXX@
# @CFLAGS@/@CXXFLAGS@ for the direct compiler and the flags emcc gives it, @EMCC@ @EMXX@
# @EMAR@ @EMRANLIB@ @STRIP@ for the toolchain's programs.
set -u
kiln=$(realpath "$1")
dir=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
env=$("$kiln" crossenv setup) || exit 1
export KILN_CROSSENV=$env NO_COLOR=1
unset KILN_EXPORTS KILN_LDFLAGS SIDE_MODULE_LDFLAGS KILN_WRAP_DRY_RUN KILN_WRAP_NO_FASTPATH
get() { "$kiln" crossenv show --get "$1"; }
CLANG=$(get clang) CLANGXX=$(get clangxx) CFLAGS=$(get cflags_c) CXXFLAGS=$(get cflags_cxx)
EMCC=$(get emcc) EMXX=$(get emxx) EMAR=$(get emar) EMRANLIB=$(get emranlib) STRIP=$(get llvm_strip)
HOSTINC=$(get host_include) TARGETINC=$(get target_includepy)
export HOSTINC TARGETINC

# fixtures, built for real through the wrapper
(
	cd "$work" &&
	"$env/bin/cc" -O2 -fPIC -c "$dir/src/mod.c" -o mod.o &&
	"$env/bin/cc" -O2 -fPIC -c "$dir/src/lib.c" -o lib.o &&
	"$env/bin/c++" -O2 -fPIC -c "$dir/src/more.cpp" -o more.o &&
	"$env/bin/c++" -O2 -fPIC -c "$dir/src/cxxstd.cpp" -o cxxstd.o &&
	"$env/bin/ar" rcs liblib.a lib.o &&
	cp "$dir/src/mod.c" "$dir/src/more.cpp" "$dir/src/broken.c" .
) || { echo "FAIL building the fixtures"; exit 1; }

subst() {
	local s=$1
	s=${s//"$CLANGXX $CXXFLAGS"/@CLANGXX@ @CXXFLAGS@}
	s=${s//"$CLANG $CFLAGS"/@CLANG@ @CFLAGS@}
	s=${s//"$env"/@ENV@}
	s=${s//"$EMXX"/@EMXX@}
	s=${s//"$EMCC"/@EMCC@}
	s=${s//"$EMAR"/@EMAR@}
	s=${s//"$EMRANLIB"/@EMRANLIB@}
	s=${s//"$STRIP"/@STRIP@}
	printf '%s' "$s"
}

pass=0 fail=0
for t in "$dir"/*.test; do
	tool=cc args= want_exit=0 section= envs=()
	declare -A sect=()
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ -z $section ]]; then
			case $line in
			'#'*|'') ;;
			tool:*) tool=${line#tool:}; tool=${tool// /} ;;
			args:*) args=${line#args:} ;;
			exit:*) want_exit=${line#exit:}; want_exit=${want_exit// /} ;;
			env:*) envs+=("${line#env: }") ;;
			'--- '*) section=${line#--- }; sect[$section]= ;;
			*) echo "FAIL $t: bad header line: $line"; fail=$((fail + 1)); continue 2 ;;
			esac
		elif [[ $line == '--- '* ]]; then
			section=${line#--- }
			sect[$section]=
		else
			sect[$section]+="$line"$'\n'
		fi
	done <"$t"
	out=$(
		cd "$work" || exit 99
		export KILN_WRAP_DRY_RUN=1
		for e in "${envs[@]}"; do export "${e?}"; done
		eval "set -- $args"
		exec "$env/bin/$tool" "$@" 2>"$work/stderr"
	)
	got=$?
	err=$(cat "$work/stderr")
	out=$(subst "$out")
	why=
	[ "$got" = "$want_exit" ] || why="exit $got, expected $want_exit"
	for s in "${!sect[@]}"; do
		case $s in
		stdout)
			[ "$out"$'\n' = "${sect[$s]}" ] || [ -z "$out${sect[$s]}" ] ||
				why+="${why:+; }stdout differs:"$'\n'"$(diff <(printf '%s' "${sect[$s]}") <(printf '%s\n' "$out"))" ;;
		stdout-contains|stdout-lacks)
			while IFS= read -r want; do
				[ -z "$want" ] && continue
				if grep -qF -- "$want" <<<"$out"; then
					[ "$s" = stdout-lacks ] && why+="${why:+; }stdout has: $want"
				else
					[ "$s" = stdout-contains ] && why+="${why:+; }stdout lacks: $want"
				fi
			done <<<"${sect[$s]}" ;;
		stderr-contains)
			while IFS= read -r want; do
				[ -z "$want" ] && continue
				grep -qF -- "$want" <<<"$err" || why+="${why:+; }stderr lacks: $want"
			done <<<"${sect[$s]}" ;;
		*) why+="${why:+; }unknown section $s" ;;
		esac
	done
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok   ${t##*/}"
	else
		fail=$((fail + 1))
		echo "FAIL ${t##*/}: $why"
		echo "  stderr: $err"
	fi
	unset sect
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

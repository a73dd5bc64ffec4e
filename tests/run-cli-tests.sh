#!/usr/bin/env bash
# Data-driven CLI tests. Usage: run-cli-tests.sh KILN DIR...
#
# Each DIR/*.test file is a case:
#   # comment lines
#   args: ARGUMENTS          (split by the shell; $KILN_TESTDIR is the case's directory)
#   exit: N                  (expected status, default 0)
#   cwd: DIR                 (relative to the case's directory, default the case's directory)
#   env: NAME=VALUE          (repeatable)
#   --- stdout               (the rest up to the next section must equal stdout)
#   --- stderr               (likewise for stderr)
#   --- stdout-contains      (each non-empty line must occur in stdout)
#   --- stderr-contains      (each non-empty line must occur in stderr)
# Prints one line per case and a closing "N passed, N failed" line.
set -u
kiln=$1
shift
# a cache of the run's own, never ./cache in the source tree (a test may name another)
KILN_CACHE=$(mktemp -d)
export KILN_CACHE
trap 'rm -rf "$KILN_CACHE"' EXIT
pass=0
fail=0
for dir in "$@"; do
	for t in "$dir"/*.test; do
		[ -e "$t" ] || continue
		tdir=$(cd "$(dirname "$t")" && pwd)
		args= want_exit=0 cwd=. section= envs=()
		declare -A sect=()
		while IFS= read -r line || [ -n "$line" ]; do
			if [[ -z $section ]]; then
				case $line in
				'#'*|'') ;;
				args:*) args=${line#args:} ;;
				exit:*) want_exit=${line#exit:}; want_exit=${want_exit// /} ;;
				cwd:*) cwd=${line#cwd:}; cwd=${cwd# } ;;
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
		out=$(mktemp) err=$(mktemp)
		(
			cd "$tdir/$cwd" || exit 99
			export KILN_TESTDIR="$tdir" NO_COLOR=1
			for e in "${envs[@]}"; do export "${e?}"; done
			eval "set -- $args"
			exec "$kiln" "$@"
		) >"$out" 2>"$err" </dev/null
		got=$?
		why=
		[ "$got" = "$want_exit" ] || why="exit $got, expected $want_exit"
		for s in "${!sect[@]}"; do
			stream=${s%%-*}
			file=$out
			[ "$stream" = stderr ] && file=$err
			case $s in
			stdout|stderr)
				if [ "$(cat "$file")"$'\n' != "${sect[$s]}" ] && ! { [ ! -s "$file" ] && [ -z "${sect[$s]}" ]; }; then
					why+="${why:+; }$s differs:"$'\n'"$(diff <(printf '%s' "${sect[$s]}") "$file")"
				fi ;;
			*-contains)
				while IFS= read -r want; do
					[ -z "$want" ] && continue
					grep -qF -- "$want" "$file" || why+="${why:+; }$stream lacks: $want"
				done <<<"${sect[$s]}" ;;
			*) why+="${why:+; }unknown section $s" ;;
			esac
		done
		if [ -z "$why" ]; then
			pass=$((pass + 1))
			echo "ok   ${t#"$dir"/}"
		else
			fail=$((fail + 1))
			echo "FAIL ${t#"$dir"/}: $why"
			echo "  stdout: $(head -c 2000 "$out")"
			echo "  stderr: $(head -c 2000 "$err")"
		fi
		rm -f "$out" "$err"
		unset sect
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# kiln crossenv for several targets: spec resolution and its precedence, refusals (not
# Pyodide, a lock of an unknown format, headers of another Python or none) with
# nothing left in the cache, and Pyodide 0.25 and 0.29 side by side in one cache with
# their ABI, platform and wheel tags in the model. usage: target-test.sh KILN RUNTIMES_DIR
set -uo pipefail
kiln=$(realpath "$1")
runtimes=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=$work/cache NO_COLOR=1 KILN_RUNTIMES=$runtimes
unset KILN_CROSSENV KILN_PYODIDE KILN_TARGET KILN_PYTHON_INCLUDE
pass=0 fail=0
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
refused() { # name, expected message, kiln arguments...
	local name=$1 msg=$2
	shift 2
	if [ "$1" = env ]; then "$@"; else "$kiln" "$@"; fi >"$work/out" 2>"$work/err"
	local st=$?
	[ $st = 1 ] && grep -qF -- "$msg" "$work/err"
	check "$name" $?
	[ $st = 1 ] || cat "$work/err"
}
empty_cache() { # nothing but earlier environments and their stamps
	[ -z "$(find "$KILN_CACHE/crossenv" -maxdepth 1 -name '.tmp-*' 2>/dev/null)" ] &&
		[ "$(ls "$KILN_CACHE/crossenv" 2>/dev/null | grep -cv '^stamps$\|^current$')" = "$1" ]
}

# the resolution of a target, seen in the refusal of headers of another minor (no setup)
host_inc=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
inc=(env KILN_PYTHON_INCLUDE="$host_inc")
refused "latest is the newest installed (314.0.8)" "Pyodide 314.0.8" \
	"${inc[@]}" "$kiln" crossenv setup --target latest
refused "a whole version" "Pyodide 0.29.5" "${inc[@]}" "$kiln" crossenv setup --target 0.29.5
refused "\$KILN_TARGET" "Pyodide 0.29.5" "${inc[@]}" KILN_TARGET=0.29 "$kiln" crossenv setup
refused "--target before \$KILN_TARGET" "Pyodide 314.0.8" \
	"${inc[@]}" KILN_TARGET=0.29 "$kiln" crossenv setup --target 314
refused "\$KILN_PYODIDE before --target" "Pyodide 0.29.5" \
	"${inc[@]}" KILN_PYODIDE="$runtimes/pyodide-0.29" "$kiln" crossenv setup --target 314
refused "--pyodide before \$KILN_PYODIDE" "Pyodide 314.0.8" \
	"${inc[@]}" KILN_PYODIDE="$runtimes/pyodide-0.29" "$kiln" crossenv setup \
	--pyodide "$runtimes/pyodide-314"
refused "a target not installed" "no installed Pyodide runtime matches the target '0.27'" \
	crossenv setup --target 0.27
grep -q "0.25.1" "$work/err" && grep -q "314.0.8" "$work/err"; check "... lists the installed ones" $?
refused "build-recipes takes --target" "no installed Pyodide runtime matches" \
	build-recipes --target 9.9 --recipes "$work" nothing

# not Pyodide, and a lock of an unknown format
mkdir -p "$work/notpy" "$work/odd"
refused "not a Pyodide runtime" "not a Pyodide runtime: no pyodide-lock.json" \
	crossenv setup --pyodide "$work/notpy"
ln -s "$runtimes/pyodide-0.29/python_stdlib.zip" "$work/odd/python_stdlib.zip"
/usr/bin/python3 -c '
import json, sys
lock = json.load(open(sys.argv[1]))
del lock["info"]["abi_version"]
json.dump(lock, open(sys.argv[2], "w"))' "$runtimes/pyodide-0.29/pyodide-lock.json" "$work/odd/pyodide-lock.json"
refused "a lock of an unknown format" "a lock file of an unknown format" \
	crossenv setup --pyodide "$work/odd"

# headers: wrong minor, not headers
refused "headers of another minor" "headers of Python 3.11, but the target (Pyodide 0.29.5) is Python 3.13.2" \
	crossenv setup --target 0.29 --python-include "$host_inc"
refused "not a headers directory" "no Python.h and patchlevel.h" \
	crossenv setup --target 0.29 --python-include "$work/notpy"
empty_cache 0; check "nothing written to the cache by any refusal" $?

# side by side: 0.25 with the host's headers, 0.29 with 3.13's from Debian's
# libpython3.13-dev (toolchain/pyheaders: apt, verified, unpacked into the cache)
d25=$("$kiln" crossenv setup --target 0.25 2>"$work/err25"); check "0.25 sets up" $?
d29=$("$kiln" crossenv setup --target 0.29 2>"$work/err29")
check "0.29 sets up with Debian's 3.13 headers" $?
[ $? = 0 ] || cat "$work/err29"
[ -n "$d25" ] && [ -n "$d29" ] && [ "$d25" != "$d29" ] && [ -d "$d25" ] && [ -d "$d29" ]
check "two environments side by side" $?
get() { "$kiln" crossenv show --dir "$1" --get "$2"; }
[ "$(get "$d29" abi_version)" = 2025_0 ]; check "0.29: abi_version 2025_0" $?
[ "$(get "$d29" runtime_platform)" = emscripten_4_0_9 ]; check "0.29: runtime platform" $?
[ "$(get "$d29" platform)" = pyemscripten_2025_0_wasm32 ]; check "0.29: PEP 783 wheel tag" $?
[ "$(get "$d29" platform_legacy)" = pyodide_2025_0_wasm32 ]; check "0.29: older spelling" $?
[ "$(get "$d29" pyodide_version)" = 0.29.5 ]; check "0.29: version from package.json" $?
[ "$(get "$d29" python_version)" = 3.13.2 ]; check "0.29: Python 3.13.2" $?
[ "$(get "$d29" ext_suffix)" = .cpython-313-wasm32-emscripten.so ]
check "0.29: EXT_SUFFIX from the f-string sysconfigdata" $?
[ "$(get "$d29" python_include)" = "$KILN_CACHE/pyheaders/python3.13/include/python3.13" ]
check "0.29: Debian's headers recorded" $?
d29b=$("$kiln" crossenv setup --target 0.29 --python-include "$(get "$d29" python_include)" 2>/dev/null)
[ "$d29b" = "$d29" ]; check "the same headers named with --python-include: the same environment" $?
grep -q '^#define SIZEOF_LONG 4$' "$d29/include/python3.13/pyconfig.h"
check "0.29: pyconfig.h has the target's values" $?
[ "$(get "$d25" abi_version)" = "" ] && [ "$(get "$d25" platform)" = emscripten_3_1_46_wasm32 ]
check "0.25: no ABI, emscripten_3_1_46_wasm32" $?
d25b=$("$kiln" crossenv setup 2>/dev/null)
[ "$d25b" = "$d25" ]; check "the default target is 0.25, reused" $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

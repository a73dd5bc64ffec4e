#!/usr/bin/env bash
# A setuptools C extension built for a target whose Python is not the host's (314: 3.14):
# the PEP 517 backend runs under the interpreter of the target's minor that crossenv setup
# records (Debian's, unpacked into the cache), the wheel carries the target's tags, imports
# and runs in that Pyodide under node, and py-compile writes the target's bytecode.
# usage: run.sh KILN [TARGET]
set -euo pipefail
kiln=$(realpath "$1")
target=${2:-314}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache} KILN_TARGET=$target NO_COLOR=1
unset KILN_CROSSENV KILN_PYODIDE
"$kiln" crossenv setup >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }
minor=$("$kiln" crossenv show --get python_version | cut -d. -f1,2)
hostver=$("$kiln" crossenv show --get host_python_version)
py=$("$kiln" crossenv show --get host_python)
[[ $hostver == "$minor".* ]] || { echo "host_python $py is $hostver, not $minor"; exit 1; }
echo "ok   host_python $py is Python $hostver"
"$kiln" build-recipes --recipes "$here/recipes" --dist "$work/dist" hp-ext >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log"; exit 1; }
cp="cp${minor/./}"
whl=$(ls "$work/dist"/hp_ext-1.0-"$cp-$cp"-*_wasm32.whl) ||
	{ ls "$work/dist"; echo "no $cp-$cp wheel"; exit 1; }
echo "ok   built $(basename "$whl")"
"$kiln" test --recipes "$here/recipes" --dist "$work/dist" hp-ext | tee "$work/test.log"
grep -q '^ok   hp-ext' "$work/test.log"
# the .pyc of the wheel carry the magic number of the target's Python
mkdir "$work/pyc"
cp "$whl" "$work/pyc/"
"$kiln" py-compile "$work/pyc/$(basename "$whl")" >"$work/pyc.log" 2>&1 ||
	{ cat "$work/pyc.log"; exit 1; }
want=$("$py" -c 'import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())')
got=$(python3 - "$work/pyc/$(basename "$whl")" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(z.read("hpext_util.pyc")[:4].hex())
PY
)
[ "$got" = "$want" ] || { echo "py-compile wrote magic $got, Python $minor's is $want"; exit 1; }
echo "ok   py-compile: magic $got (Python $minor)"

#!/usr/bin/env bash
# Build tests/crossenv/ext/demo.c natively (gcc, host Python) and for Pyodide through
# kiln's wrapper (cc -c, cc -shared; and once more with setuptools in the cross
# environment), run the same driver on all (the wasm ones inside the real Pyodide runtime
# under node) and compare the results.
# usage: ext-test.sh KILN
set -euo pipefail
kiln=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
python=/usr/bin/python3

# native
mkdir "$work/native" "$work/wasm"
hsuffix=$($python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
hinc=$($python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
/usr/bin/gcc -O2 -fPIC -shared -I"$hinc" "$here/ext/demo.c" -o "$work/native/demo$hsuffix"
(cd "$work/native" && PYTHONPATH="$work/native" $python "$here/ext/driver.py") >"$work/native.json"

# wasm, through the wrapper found on PATH from the environment kiln prints
pyodide=$("$kiln" crossenv show --get pyodide_dir)
suffix=$("$kiln" crossenv show --get ext_suffix)
eval "$("$kiln" crossenv env)"
cd "$work/wasm"
[ "$(command -v cc)" = "$KILN_CROSSENV/bin/cc" ] || { echo "cc on PATH is $(command -v cc)"; exit 1; }
# the host include dir on the command line must be rewritten to the target's
cc -O2 -g0 -fPIC -I"$hinc" -Wall -c "$here/ext/demo.c" -o demo.o
cc -shared demo.o -o "demo$suffix" -lm
node "$here/ext/run-pyodide.mjs" "$pyodide" "demo$suffix" "$here/ext/driver.py" >"$work/wasm.json"

# the same through setuptools, which takes its compiler, flags and include dir from the
# target's sysconfig (_PYTHON_SYSCONFIGDATA_NAME) and calls cc from bin/
mkdir "$work/st"
cp "$here/ext/demo.c" "$work/st/"
printf 'from setuptools import setup, Extension\nsetup(name="demo", version="1.0", ext_modules=[Extension("demo", ["demo.c"])])\n' >"$work/st/setup.py"
(cd "$work/st" && $python setup.py build_ext --inplace >build.log 2>&1) || { cat "$work/st/build.log"; exit 1; }
grep -q "^$KILN_CROSSENV/bin/cc " "$work/st/build.log" || { echo "setuptools did not use the wrapper"; exit 1; }
node "$here/ext/run-pyodide.mjs" "$pyodide" "$work/st/demo$suffix" "$here/ext/driver.py" >"$work/setuptools.json"
cmp "$work/wasm.json" "$work/setuptools.json" || { echo "setuptools build differs"; diff "$work/wasm.json" "$work/setuptools.json"; exit 1; }
echo "setuptools build: same results"

$python - "$work/native.json" "$work/wasm.json" <<'PY'
import json, sys
native = json.load(open(sys.argv[1]))
wasm = json.load(open(sys.argv[2]))
ok = True
sizes = wasm.pop("platform_sizes")
nsizes = native.pop("platform_sizes")
if sizes != {"long": 4, "void_p": 4, "size_t": 4}:
    print("wasm32 C type sizes wrong:", sizes); ok = False
if nsizes == sizes:
    print("native sizes equal wasm32 ones: the test does not tell the builds apart"); ok = False
for k in sorted(set(native) | set(wasm)):
    if native.get(k) != wasm.get(k):
        print(f"{k}: native {native.get(k)!r} != pyodide {wasm.get(k)!r}"); ok = False
print("native:", json.dumps(native, sort_keys=True))
print("wasm:  ", json.dumps(wasm, sort_keys=True))
print("same results" if ok else "DIFFERENT")
sys.exit(0 if ok else 1)
PY

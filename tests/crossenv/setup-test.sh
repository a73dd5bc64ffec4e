#!/usr/bin/env bash
# kiln crossenv: idempotence (a second setup is a fast no-op), a changed input gives a new
# id, verify catches changed files, and the refusals (bad distribution, no headers for
# the target's Python, no emcc). usage: setup-test.sh KILN PYODIDE_DIR
set -uo pipefail
kiln=$(realpath "$1")
dist=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=$work/cache NO_COLOR=1
unset KILN_CROSSENV
pass=0 fail=0
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
ms() { date +%s%3N; }

t0=$(ms)
d1=$("$kiln" crossenv setup --pyodide "$dist" 2>"$work/err1"); s1=$?
t1=$(ms)
check "first setup succeeds" $s1
grep -q "setting up the cross environment" "$work/err1"; check "first setup builds" $?
grep -q "emcc is 3.1.6 but Pyodide 0.25.1 was built with Emscripten 3.1.46" "$work/err1"
check "version mismatch warning" $?
grep -q "kiln abi-check" "$work/err1"; check "warning names the ABI check" $?
conf_before=$(stat -c %Y.%i "$d1/crossenv.conf")
d2=$("$kiln" crossenv setup --pyodide "$dist" 2>"$work/err2"); s2=$?
t2=$(ms)
check "second setup succeeds" $s2
[ "$d1" = "$d2" ]; check "second setup: same environment" $?
[ ! -s "$work/err2" ]; check "second setup is silent (nothing rebuilt)" $?
[ "$(stat -c %Y.%i "$d1/crossenv.conf")" = "$conf_before" ]; check "second setup leaves files alone" $?
echo "     first setup $((t1 - t0)) ms, second $((t2 - t1)) ms"
[ $((t2 - t1)) -lt 2000 ]; check "second setup under 2 s" $?
[ "$(cat "$KILN_CACHE/crossenv/current")" = "$(basename "$d1")" ]; check "current records the id" $?
ls -d "$KILN_CACHE"/crossenv/.tmp-* >/dev/null 2>&1; [ $? != 0 ]; check "no temporary directory left" $?

"$kiln" crossenv verify >/dev/null 2>&1; check "verify passes" $?
"$kiln" crossenv show --format json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["platform"] == "emscripten_3_1_46_wasm32", j["platform"]
assert j["ext_suffix"] == ".cpython-311-wasm32-emscripten.so"
assert j["python_version"] == "3.11.3" and j["runtime_emsdk"] == "3.1.46"
assert j["cflags_c_list"] and j["emcc_version"]'
check "show --format json" $?
"$kiln" crossenv env >"$work/env.sh"; check "env prints" $?
(
	set -e
	. "$work/env.sh"
	[ "$PYMAJOR.$PYMINOR.$PYMICRO" = 3.11.3 ] && [ "$PYODIDE" = 1 ]
	[ "$PYODIDE_EMSCRIPTEN_VERSION" = 3.1.46 ] && [ -f "$PYTHONINCLUDE/Python.h" ]
	[ -f "$MESON_CROSS_FILE" ] && [ -f "$CMAKE_TOOLCHAIN_FILE" ] && [ "$CC" = "$KILN_CROSSENV/bin/cc" ]
	[ "${PATH%%:*}" = "$KILN_CROSSENV/bin" ]
	# the names upstream build scripts use
	[ "$STDLIB_MODULE_CFLAGS" = "$SIDE_MODULE_CFLAGS -I$PYTHONINCLUDE/internal -DPy_BUILD_CORE_MODULE" ]
	[ -f "$PYTHONINCLUDE/internal/pycore_pystate.h" ]
	for d in PYODIDE_ROOT HOSTINSTALLDIR TARGETINSTALLDIR; do
		[ -f "${!d}/include/python$PYMAJOR.$PYMINOR/Python.h" ]
	done
	for t in emcc em++ emar emranlib emconfigure emmake emcmake; do
		[ "$(command -v $t)" = "$KILN_CROSSENV/bin/$t" ]
	done
	# the host Python, told about the target, reports the target's configuration
	[ "$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')" = .cpython-311-wasm32-emscripten.so ]
	grep -q '^#define SIZEOF_LONG 4$' "$PYTHONINCLUDE/pyconfig.h"
	grep -q '^#define SIZEOF_VOID_P 4$' "$PYTHONINCLUDE/pyconfig.h"
	! grep -q 'x86_64-linux-gnu' "$PYTHONINCLUDE/pyconfig.h"
	# the include guard survives; every other host line is kept
	grep -q '^#define Py_PYCONFIG_H$' "$PYTHONINCLUDE/pyconfig.h"
	tmpl=/usr/include/$(env -u _PYTHON_SYSCONFIGDATA_NAME -u PYTHONPATH -u _PYTHON_HOST_PLATFORM /usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')/python3.11/pyconfig.h
	[ "$(grep -vc '^#define \|^/\* #undef ' "$tmpl")" -le "$(grep -vc '^#define \|^/\* #undef ' "$PYTHONINCLUDE/pyconfig.h")" ]
	[ "$(grep -c '^#define \|^/\* #undef ' "$tmpl")" = "$(grep -c '^#define \|^/\* #undef ' "$PYTHONINCLUDE/pyconfig.h")" ]
)
check "env: variables, target sysconfig, generated pyconfig.h" $?

# verify notices a changed file, and a file that is not part of the environment
h=$d1/include/python3.11/Python.h
cp "$h" "$work/Python.h.orig"
chmod u+w "$h"; echo '/* changed */' >>"$h"
"$kiln" crossenv verify 2>"$work/verr" >/dev/null; [ $? = 1 ]; check "verify fails on a changed header" $?
grep -q "Python.h: changed since setup" "$work/verr"; check "verify names the file" $?
cp "$work/Python.h.orig" "$h"
"$kiln" crossenv verify >/dev/null 2>&1; check "verify passes again" $?

# a changed input gives a new id
fake=$work/dist2
mkdir "$fake"
cp "$dist/python_stdlib.zip" "$fake/"
{ cat "$dist/pyodide-lock.json"; echo; } >"$fake/pyodide-lock.json"
d3=$("$kiln" crossenv setup --pyodide "$fake" 2>/dev/null); check "setup of a changed distribution" $?
[ -n "$d3" ] && [ "$d3" != "$d1" ]; check "changed input, new id" $?
[ "$(cat "$KILN_CACHE/crossenv/current")" = "$(basename "$d3")" ]; check "current follows" $?

# refusals
"$kiln" crossenv setup --pyodide "$work/nothere" 2>"$work/e" >/dev/null; [ $? = 1 ]; check "refuse a missing directory" $?
grep -q "not a directory" "$work/e"; check "  ...with a message" $?
mkdir "$work/empty"; cp "$dist/pyodide-lock.json" "$work/empty/"
"$kiln" crossenv setup --pyodide "$work/empty" 2>"$work/e" >/dev/null; [ $? = 1 ]; check "refuse a distribution without python_stdlib.zip" $?
grep -q "not a Pyodide runtime: no python_stdlib.zip" "$work/e"; check "  ...with a message" $?
py312=$work/py312
mkdir "$py312"
/usr/bin/python3 - "$dist" "$py312" <<'PY'
import json, re, sys, zipfile
src, dst = sys.argv[1:]
lock = json.load(open(f"{src}/pyodide-lock.json"))
lock["info"]["python"] = "3.12.1"
json.dump(lock, open(f"{dst}/pyodide-lock.json", "w"))
with zipfile.ZipFile(f"{src}/python_stdlib.zip") as zin, zipfile.ZipFile(f"{dst}/python_stdlib.zip", "w") as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename.startswith("_sysconfigdata_"):
            text = data.decode()
            text = text.replace("'VERSION': '3.11'", "'VERSION': '3.12'")
            text = text.replace("cpython-311", "cpython-312")
            assert "'VERSION': '3.12'" in text
            data = text.encode()
        zout.writestr(info, data)
PY
"$kiln" crossenv setup --pyodide "$py312" 2>"$work/e" >/dev/null; [ $? = 1 ]; check "refuse a Python 3.12 runtime with a 3.11 host" $?
grep -q "no headers for Python 3.12: apt knows no libpython3.12-dev" "$work/e" && grep -q -- "--python-include DIR" "$work/e"
check "  ...with a message" $?
mkdir "$work/emptybin"
PATH=$work/emptybin EMSDK= "$kiln" crossenv setup --pyodide "$fake" 2>"$work/e" >/dev/null
[ $? = 1 ]; check "refuse without emcc: status 1" $?
grep -q "emcc not found on PATH" "$work/e"; check "refuse without emcc" $?
[ "$(cat "$KILN_CACHE/crossenv/current")" = "$(basename "$d3")" ]; check "a refused setup leaves current alone" $?
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

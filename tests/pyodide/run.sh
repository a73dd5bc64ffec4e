#!/usr/bin/env bash
# The real client test: kiln's wheels and pyodide-lock.json in a copy of the
# Pyodide runtime, loaded with loadPackage under node.
# Usage: run.sh WHEELTOOL KILN
set -u
wheeltool=$1
kiln=$2
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$here/../wheel
python=${KILN_PYTHON:-/usr/bin/python3}
runtime=${KILN_PYODIDE:-$here/../../crossenv/node_modules/pyodide-0.25}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$srcdir/lib.sh"
export SOURCE_DATE_EPOCH=1700000000

# wheels: built by Debian's frontend, post-processed by kiln, added to the lock
build_inputs || exit 1
check "postprocess kiln-demo" "$wheeltool" postprocess "$work/out-kiln-demo" kiln-demo 0.3.0 \
	"$work/w1" "$work/built" --unvendor-tests
check "postprocess kiln-fast" "$wheeltool" postprocess "$work/out-kiln-fast" kiln-fast 0.1.0 \
	"$work/w2" "$work/built" --require-compiled
check "lockfile add-wheels" "$kiln" lockfile add-wheels --dist "$work/dist" "$work"/built/*.whl \
	"$work"/out-kiln-demo-dep/*.whl "$work"/out-six/*.whl "$work/built/kiln-demo-tests.tar" \
	"$work/shlib/libkilnhelper-1.0.0.zip"

# the runtime directory with dist/ laid over it
cp -r "$runtime" "$work/rt"
cp "$work"/dist/* "$work/rt/"

# pyodide NAME ARGS...: run the harness, keep its JSON in $work/NAME.json
pyodide() {
	local name=$1
	shift
	node "$here/run.mjs" --index "$work/rt" "$@" >"$work/$name.json"
}
# expect NAME PYTHON-EXPRESSION: the expression holds for r = that JSON
expect() {
	"$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
print(json.dumps(r, indent=1)[:3000])
sys.exit(0 if ok else 1)' "$work/$1.json" "$2"
}

check "loadPackage kiln-demo" pyodide demo --package kiln-demo --import kiln_demo \
	--code 'import kiln_demo; kiln_demo.answer()' \
	--code 'import importlib.util as u; [u.find_spec(m) is None for m in ("kiln_demo.tests", "kiln_demo.conftest")]'
check "... pulled kiln-demo-dep in through the lockfile" expect demo \
	'"kiln-demo-dep" in r["loaded"] and "kiln-demo" in r["loaded"]'
check "... and the imports work" expect demo \
	'r["code"][0] == {"ok": True, "result": 42} and r["imports"]["kiln_demo"]["ok"]'
check "... from site-packages, without the unvendored tests" expect demo \
	'r["imports"]["kiln_demo"]["file"].endswith("site-packages/kiln_demo/__init__.py") and r["code"][1]["result"] == [True, True]'

check "replaced, compiled and tests packages" pyodide more --package six --package kiln-fast \
	--package kiln-demo-tests --code 'import six; (six.__version__, six.BUILT_BY_KILN)' \
	--code 'import kiln_fast; kiln_fast.twice(21)' \
	--code 'from kiln_demo.tests import test_core; test_core.test_answer(); "passed"'
check "... six is kiln's 1.99.0, not the runtime's 1.16.0" expect more \
	'r["code"][0] == {"ok": True, "result": ["1.99.0", True]}'
check "... the WebAssembly extension works, through the shared library it needs" expect more \
	'r["code"][1] == {"ok": True, "result": 42} and "libkilnhelper" in r["loaded"]'
check "... the tests archive installs and its test passes" expect more \
	'r["code"][2] == {"ok": True, "result": "passed"} and "kiln-demo" in r["loaded"]'

# a wheel with its shared library vendored into kiln_fast.libs/ needs no library package
check "postprocess kiln-fast, vendoring what it needs" "$wheeltool" postprocess "$work/out-kiln-fast" \
	kiln-fast 0.1.0 "$work/w3" "$work/vendored" --lib-dir "$work/lib"
cp -r "$runtime" "$work/rt2"
check "add the vendored wheel" "$kiln" lockfile add-wheels --dist "$work/rt2" "$work"/vendored/*.whl
node "$here/run.mjs" --index "$work/rt2" --package kiln-fast --code 'import kiln_fast; kiln_fast.twice(21)' \
	>"$work/vendored.json"
check "the vendored library is found by the extension" expect vendored \
	'r["code"][0] == {"ok": True, "result": 42} and list(r["loaded"]) == ["kiln-fast"]'

# the harness fails when things fail
pyodide_show() { pyodide "$@"; local s=$?; cat "$work/$1.json"; return $s; }
check_fails "a package missing from the lock is reported" '"kiln-nonexistent":{"ok":false' \
	pyodide_show missing --package kiln-nonexistent
check_fails "importing before loading fails; the runtime knows it from the lock's imports" \
	"ModuleNotFoundError: The module 'kiln-demo' is included in the Pyodide distribution" \
	pyodide_show noimport --import kiln_demo
finish

#!/bin/bash
# kiln test against real packages built by kiln build-recipes from path sources
# (no network), run in the real Pyodide runtime under node.
#   run.sh KILN WORKDIR
# The recipes cover a pure package with a test.script, a dependency pulled
# through the lockfile, a dependency whose file is missing (the runtime's six),
# a failing import, a raising test.script, a hang (the timeout kills node and
# the rest go on), a crash of node (os._exit), a static library (skipped), a
# shared library built with the wrapper (loaded only) and unvendored tests
# (--with-tests), passing and failing.
set -u
kiln=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
recipes=$here/recipes
export KILN_CACHE=$work/cache
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
times() { sed -E 's/\(([a-z]+, )?[0-9]+\.[0-9]s/(\1T/'; }

mkdir -p "$work"
rm -rf "$work/dist" "$work/dist2"
if ! "$kiln" build-recipes -k --recipes "$recipes" --dist "$work/dist" > "$work/build.out" 2>&1; then
	cat "$work/build.out"
	echo "FAIL: build-recipes"
	exit 1
fi

# every package: one line each, tracebacks indented below, the summary, exit 1
start=$(date +%s)
"$kiln" test --recipes "$recipes" --dist "$work/dist" --timeout 10 --with-tests \
	> "$work/all.out" 2> "$work/all.err"
st=$?
echo "kiln test of 11 packages: $(( $(date +%s) - start )) s"
[ $st = 1 ] || fail "exit status $st, expected 1"
grep -v '^    ' "$work/all.out" | times > "$work/all.lines"
if ! diff -u "$here/expected.txt" "$work/all.lines"; then
	fail "per-package lines differ"
fi
section() { # the indented lines under a package's line
	awk -v name="$1" '/^[^ ]/ { on = ($2 == name) ; next } on' "$work/all.out"
}
expect() { # package, fixed string in its section
	section "$1" | grep -qF -- "$2" || fail "$1: no '$2' in $(section "$1")"
}
expect kt-badimport 'File "/lib/python3.11/site-packages/kt_badimport/__init__.py", line 1, in <module>'
expect kt-badimport 'ImportError: kt_badimport refuses to be imported'
expect kt-raises 'File "<test.script>", line 2, in <module>'
expect kt-raises 'ValueError: boom from test.script'
expect kt-raises 'about to fail'
expect kt-crash 'node stopped (exit status 1)'
expect kt-crash 'Program terminated with exit(3)'
expect kt-hang 'timed out after 10 s; node was killed'
expect kt-needsix 'needs six, whose file six-1.16.0-py2.py3-none-any.whl is neither in the dist directory nor in the runtime (build a recipe for it)'
expect kt-badtests "1 of the package's tests failed"
expect kt-badtests 'FAILED kt_badtests.tests.test_triple.test_wrong:'
expect kt-badtests 'AssertionError: triple(2) is not 7'
[ -z "$(section kt-pure)" ] || fail "kt-pure passed but printed: $(section kt-pure)"
[ -s "$work/all.err" ] && fail "stderr not empty: $(cat "$work/all.err")"

# without --with-tests the unvendored tests are not run
out=$("$kiln" test --recipes "$recipes" --dist "$work/dist" kt-badtests 2>&1)
[ "$(printf '%s\n' "$out" | times)" = "ok   kt-badtests (T)
1 passed, 0 failed" ] || fail "kt-badtests without --with-tests: $out"

# a selection that passes: exit 0 (kt-dep pulls kt-pure in, as kiln graph does)
out=$("$kiln" test --recipes "$recipes" --dist "$work/dist" kt-dep 2>&1)
st=$?
[ $st = 0 ] || fail "kt-dep: exit $st: $out"
[ "$(printf '%s\n' "$out" | times)" = "ok   kt-dep (T)
ok   kt-pure (T)
2 passed, 0 failed" ] || fail "kt-dep selection: $out"

# JSON: one object per package and a summary
"$kiln" test --recipes "$recipes" --dist "$work/dist" --log-style json kt-raises kt-pure kt-static \
	> "$work/json.out" 2>&1
st=$?
[ $st = 1 ] || fail "json: exit $st"
/usr/bin/python3 - "$work/json.out" <<'PY' || fail "json output: $(cat "$work/json.out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["name"]: r for r in rows if "name" in r}
assert by["kt-pure"]["status"] == "ok" and by["kt-pure"]["stage"] == "done", by
r = by["kt-raises"]
assert r["status"] == "fail" and r["stage"] == "script", r
assert r["error"].endswith("ValueError: boom from test.script"), r
assert r["output"] == "about to fail\n", r
assert by["kt-static"] == {"name": "kt-static", "status": "skip",
                           "reason": "static library: nothing to load"}, by
assert rows[-1] == {"summary": {"passed": 1, "failed": 1, "skipped": 1}}, rows[-1]
assert len(rows) == 4, rows
PY

# a recipe that was not built into this dist
"$kiln" build-recipes --recipes "$recipes" --dist "$work/dist2" kt-pure > /dev/null 2>&1 ||
	fail "build-recipes kt-pure into dist2"
out=$("$kiln" test --recipes "$recipes" --dist "$work/dist2" kt-pure kt-raises 2>&1)
st=$?
[ $st = 1 ] || fail "not built: exit $st"
[ "$(printf '%s\n' "$out" | times)" = "ok   kt-pure (T)
FAIL kt-raises
    no entry in the lockfile; build it first (kiln build-recipes kt-raises)
1 passed, 1 failed" ] || fail "not built: $out"

# node never outlives kiln: kill -9 kiln while node runs a package that hangs (the
# main thread busy in Python); node must be gone within seconds
rm -rf "$work/tmp" && mkdir -p "$work/tmp"
TMPDIR=$work/tmp "$kiln" test --recipes "$recipes" --dist "$work/dist" --timeout 300 kt-dep kt-hang \
	> "$work/orphan.out" 2>&1 &
kpid=$!
for _ in $(seq 600); do
	grep -q '^ok   kt-dep' "$work/orphan.out" && break
	sleep 0.1
done
node=$(pgrep -P "$kpid" | head -n 1)
sleep 2
alive() { [ -n "$1" ] && ps -o stat= -p "$1" | grep -qv '^Z'; }
if ! grep -q '^ok   kt-dep' "$work/orphan.out" || ! alive "$node"; then
	fail "kill -9 kiln: node was not running kt-hang: $(cat "$work/orphan.out")"
else
	kill -9 "$kpid"
	wait "$kpid" 2>/dev/null
	for _ in $(seq 100); do alive "$node" || break; sleep 0.1; done
	if alive "$node"; then
		fail "node $node outlived kiln (killed with -9 during a hanging package)"
		kill -9 "$node"
	fi
fi

# no lockfile, usage errors
out=$("$kiln" test --recipes "$recipes" --dist "$work/nothing" kt-pure 2>&1)
st=$?
[ $st = 1 ] && [[ $out == *"nothing/pyodide-lock.json"*"kiln build-recipes"* ]] ||
	fail "no dist: exit $st: $out"
"$kiln" test --timeout soon > /dev/null 2>&1
st=$?
[ $st = 2 ] || fail "--timeout soon: exit $st"
out=$("$kiln" test --recipes "$recipes" --dist "$work/dist" kt-nope 2>&1)
st=$?
[ $st = 1 ] && [[ $out == *kt-nope* ]] || fail "unknown package: exit $st: $out"

[ $fails = 0 ] && echo "all kiln test checks passed"
exit $((fails > 0))

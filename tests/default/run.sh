#!/usr/bin/env bash
# The main job on the default recipe set, as CI runs it (all but liblapack,
# whose full build takes over 20 minutes on 2 cores, and numpy, about 18 minutes on a loaded
# 2-core machine from its PyPI sdist; the lapack suite builds BLAS plus the routines its proof
# needs, and ci/build builds all): the source mirror
# filled from Debian, `kiln build-recipes '*'` from a clean cache, every
# package's test.imports imported in the real Pyodide runtime (directly and
# through `kiln test '*'`), and the compat
# proof (brotli, msgpack, lxml in use) on the same cache.
# With TARGET (0.29, 314), the same for that runtime: built, imported and `kiln test`ed there;
# the compat proof is 0.25's (its toolchain's time64 layer) and is not run. The cache is
# $KILN_TEST_CACHE when set (the targets' toolchains and interpreters, shared with other suites).
# usage: run.sh KILN WORKDIR [TARGET]     (exit 77 when the Debian archive is unreachable)
set -u
kiln=$(realpath "$1")
work=$2
target=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$work/cache/builds" "$work/dist" "$work/index"
mkdir -p "$work" && work=$(realpath "$work")
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache} NO_COLOR=1 KILN_MIRRORS=
[ -n "$target" ] && export KILN_TARGET=$target
unset KILN_CROSSENV KILN_EXPORTS KILN_LDFLAGS
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); [ -n "${2:-}" ] && tail -n 60 "$2" | sed 's/^/  | /'; }

bash "$root/ci/fill-mirror" "$work/mirror" >"$work/mirror.log" 2>&1
st=$?
if [ $st = 75 ]; then
	echo "the Debian archive cannot be reached: skipped"
	exit 77
fi
[ $st = 0 ] && ok "ci/fill-mirror: every source verified" || bad "ci/fill-mirror" "$work/mirror.log"

cd "$work"
n=$("$kiln" graph --recipes "$root/recipes" '*' '!liblapack' '!numpy' | wc -l)
if "$kiln" build-recipes -j2 --recipes "$root/recipes" --mirror "$work/mirror" --dist "$work/dist" \
	'*' '!liblapack' '!numpy' >"$work/build.log" 2>&1; then
	ok "build-recipes '*': $(tail -n 2 "$work/build.log" | head -n 1)"
else
	bad "build-recipes '*'" "$work/build.log"
fi

# every package with a lockfile entry: loadPackage and its test.imports
mkdir -p "$work/index"
cp -r "$("$kiln" crossenv show --get pyodide_dir)"/. "$work/index"/
cp "$work"/dist/*.whl "$work"/dist/*.tar "$work/dist/pyodide-lock.json" "$work/index"/ 2>/dev/null
args=()
while read -r name imports; do
	args+=(--package "$name")
	for m in $imports; do args+=(--import "$m"); done
done < <(/usr/bin/python3 - "$root/recipes" "$work/dist/pyodide-lock.json" <<'PY'
import json, os, sys, yaml
lock = json.load(open(sys.argv[2]))["packages"]
for d in sorted(os.listdir(sys.argv[1])):
    m = yaml.safe_load(open(os.path.join(sys.argv[1], d, "meta.yaml")))
    if m.get("build", {}).get("type", "package") != "package" or d == "numpy":
        continue
    name = m["package"]["name"].lower()
    assert name in lock, name
    imports = (m.get("test") or {}).get("imports") or m["package"].get("top-level") or [name]
    print(name, " ".join(imports))
PY
)
if node "$root/tests/pyodide/run.mjs" --index "$work/index" "${args[@]}" >"$work/imports.json" 2>&1; then
	ok "loadPackage + test.imports of every package in Pyodide ($(( ${#args[@]} / 2 )) arguments)"
else
	bad "loadPackage + test.imports in Pyodide" "$work/imports.json"
fi

# kiln test: every package loaded, its test.imports imported, its test.script run
if "$kiln" test --recipes "$root/recipes" --dist "$work/dist" '*' '!liblapack' '!numpy' >"$work/ktest.log" 2>&1; then
	ok "kiln test '*': $(tail -n 1 "$work/ktest.log")"
else
	bad "kiln test '*'" "$work/ktest.log"
fi

# the packages in use, on the same cache (no rebuild)
if [ -n "$target" ]; then
	:
elif bash "$root/tests/compat/default-recipes.sh" "$kiln" "$work/mirror" "$work" >"$work/compat.log" 2>&1; then
	ok "brotli, msgpack and lxml in use ($(grep -c '^ok' "$work/compat.log") checks)"
else
	bad "brotli, msgpack and lxml in use" "$work/compat.log"
fi
echo "$n recipes; $pass passed, $fail failed"
[ "$fail" = 0 ]

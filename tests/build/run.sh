#!/usr/bin/env bash
# kiln build-recipes end to end: a static library from a patched tarball fetched
# over HTTP from a mirror on 127.0.0.1, a C extension linking it, a pure
# package, failures under -k, the silent-fallback check, the lockfile in the
# real Pyodide runtime, reproducible wheels, no-op rebuilds and --explain.
# usage: run.sh KILN RUN_MJS WORKDIR
set -u
kiln=$1 runmjs=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/  | /' <<<"$2" | head -40; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "${3:-}"; fi; }

rm -rf "$work"
mkdir -p "$work/mirror" "$work/proj"
export KILN_CACHE="$work/cache" NO_COLOR=1 KILN_MIRRORS=
cp -r "$here/recipes" "$work/proj/recipes"
(cd "$here/clib-src" && tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$work/mirror/clib-1.0.tar.gz" clib-1.0)
sha=$(sha256sum "$work/mirror/clib-1.0.tar.gz" | cut -d' ' -f1)
sed "s/@SHA256@/$sha/" "$work/proj/recipes/clib/meta.yaml.in" >"$work/proj/recipes/clib/meta.yaml"
rm "$work/proj/recipes/clib/meta.yaml.in"
(cd "$here/aclib-src" && tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$work/mirror/aclib-1.0.tar.gz" aclib-1.0)
sha=$(sha256sum "$work/mirror/aclib-1.0.tar.gz" | cut -d' ' -f1)
sed "s/@SHA256@/$sha/" "$work/proj/recipes/aclib/meta.yaml.in" >"$work/proj/recipes/aclib/meta.yaml"
rm "$work/proj/recipes/aclib/meta.yaml.in"

# the mirror over real HTTP on loopback
"$root/ci/serve-mirror" "$work/mirror" 0 "$work/port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
mirror="http://127.0.0.1:$(cat "$work/port")"

cd "$work/proj"
out=$("$kiln" build-recipes -k -j2 --mirror "$mirror" '*' 2>&1)
status=$?
check "a failing graph exits 1" '[ $status = 1 ]' "$out"
check "the failure is named with its log" 'grep -q "^FAILED: fails (exit status 1); the last lines of .*/work/fails/build.log:" <<<"$out"' "$out"
check "the log tail shows the script's output" 'grep -q "compiling the broken library" <<<"$out" && grep -q "build.script failed (exit status 3)" <<<"$out"' "$out"
check "a build script reads \$PKGDIR with the default, relative --recipes" \
	'! grep -q "FAILED: clib" <<<"$out" && grep -q "CLIB_VERSION" "$KILN_CACHE"/work/clib/build.log' "$out"
check "a dependent of the failure is skipped" 'grep -q "9 packages: 6 built, 0 up to date, 2 failed, 1 skipped" <<<"$out"' "$out"
check "a silent fallback to pure Python fails" 'grep -q "the wheel is pure Python but the source has C/C++/Cython/Fortran code" <<<"$out"' "$out"
check "the source came from the HTTP mirror" 'grep -q "fetched clib-1.0.tar.gz from $mirror/clib-1.0.tar.gz" <<<"$out"' "$out"

lock=dist/pyodide-lock.json
check "lockfile has kiln's packages" '/usr/bin/python3 - "$lock" <<PY
import json, sys, hashlib, os
l = json.load(open(sys.argv[1]))
p = l["packages"]
assert p["cext"]["depends"] == ["purepkg"], p["cext"]
assert p["cext"]["file_name"].startswith("cext-1.0-cp311-cp311-emscripten_3_1_46_wasm32"), p["cext"]
assert p["purepkg"]["imports"] == ["purepkg"]
for n in ("cext", "purepkg"):
    f = os.path.join("dist", p[n]["file_name"])
    assert hashlib.sha256(open(f, "rb").read()).hexdigest() == p[n]["sha256"], n
assert "clib" not in p and "fails" not in p and "fallback" not in p
assert "numpy" in p  # the runtime lock is kept
PY'

# the real client: a copy of the runtime with kiln's dist/
pyodide=$("$kiln" crossenv show --get pyodide_dir 2>/dev/null)
index="$work/index"
mkdir -p "$index"
cp -r "$pyodide"/. "$index"/
cp dist/*.whl dist/pyodide-lock.json "$index"/
res=$(node "$runmjs" --index "$index" --package cext --import cext --import purepkg \
	--code 'import cext, purepkg; (cext.answer(), purepkg.VALUE)' 2>&1)
check "loadPackage(cext) pulls purepkg; the patched library answers 42" \
	'grep -q "\"result\":\[42,\"pure\"\]" <<<"$res" || grep -q "\"result\":\"(42, '"'"'pure'"'"')\"" <<<"$res"' "$res"

# aclib: upstream's `emconfigure ./configure; emmake make` as written. configure ran its
# test program under node (wasm32: sizeof(long) is 4, not cross compiling, as with
# upstream's toolchain) and its compiler was kiln's wrapper (which answers -print-multiarch)
res=$(node "$runmjs" --index "$index" --package cext --import cext \
	--code 'import cext; list(cext.configured())' 2>&1)
check "aclib's configure ran its test programs under node through kiln's emcc" \
	'grep -q "\"result\":\[4,\"wasm32-emscripten\",\"no\"\]" <<<"$res" || grep -q "\"result\":\"\[4, '"'"'wasm32-emscripten'"'"', '"'"'no'"'"'\]\"" <<<"$res"' "$res"

# shext needs libshlib.so (a shared_library recipe, its host dependency only): vendored
# into shext.libs/ of the wheel (build.vendor-sharedlib), loaded from there by Pyodide
check "vendor-sharedlib puts the needed library into the wheel" '/usr/bin/python3 - dist/shext-*.whl <<PY
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "shext.libs/libshlib.so" in names, names
PY'
res=$(node "$runmjs" --index "$index" --package shext --import shext \
	--code 'import shext; shext.triple(14)' 2>&1)
check "the vendored library loads in Pyodide without its package" \
	'grep -q "\"result\":42" <<<"$res" || grep -q "\"result\":\"42\"" <<<"$res"' "$res"

# a second run of the buildable part is a no-op
cp dist/cext-*.whl "$work/cext-first.whl"
cp "$lock" "$work/lock-first.json"
t0=$(date +%s%N)
out=$("$kiln" build-recipes --mirror "$mirror" 'cext,purepkg' 2>&1)
status=$?
t1=$(date +%s%N)
check "second build is a no-op" '[ $status = 0 ] && grep -q "4 packages: 0 built, 4 up to date" <<<"$out"' "$out"
check "the lockfile is unchanged by a no-op" 'cmp -s "$lock" "$work/lock-first.json"'
echo "     no-op build took $(( (t1 - t0) / 1000000 )) ms"

# touching the patch rebuilds clib and its host-dependent cext, nothing else
printf '\n' >>recipes/clib/patches/answer.patch
out=$("$kiln" build-recipes --explain --mirror "$mirror" 'cext,purepkg' 2>&1)
check "--explain names the changed patch" 'grep -q "^clib: patch:patches/answer.patch changed$" <<<"$out"' "$out"
check "--explain names the rebuilt host dependency" 'grep -q "^cext: hostdep:clib changed$" <<<"$out"' "$out"
check "exactly clib and cext are rebuilt" 'grep -q "4 packages: 2 built, 2 up to date" <<<"$out"' "$out"

# two clean builds give byte-identical wheels
rm -rf "$KILN_CACHE/builds" dist
"$kiln" build-recipes --mirror "$mirror" 'cext' >/dev/null 2>&1
check "a clean rebuild gives a byte-identical wheel" 'cmp dist/cext-*.whl "$work/cext-first.whl"'

# JSON log style
out=$("$kiln" build-recipes --log-style json --mirror "$mirror" 'cext' 2>/dev/null)
check "--log-style json prints a summary object" \
	'tail -n1 <<<"$out" | /usr/bin/python3 -c "import json,sys; o=json.load(sys.stdin); assert o[\"event\"]==\"summary\" and o[\"status\"]==\"ok\", o"' "$out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# Out-of-tree tools on real inputs: `kiln build` of a small C extension from its source
# tree, from an sdist made by Debian's `python3 -m build --sdist` and from a URL served on
# 127.0.0.1 (real emcc through the wrapper); the wheels loaded in the real Pyodide runtime
# under node after `kiln lockfile add-wheels`; `kiln py-compile` checked with zipfile/hashlib
# and in Pyodide; `kiln skeleton` on sdists -> exact meta.yaml that `kiln check` accepts.
# Usage: run.sh KILN
set -u
kiln=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
python=/usr/bin/python3
runtime=${KILN_PYODIDE:-$root/crossenv/node_modules/pyodide-0.25}
work=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -f "$out_file"
	rm -rf "$work"
}
trap cleanup EXIT
. "$here/../wheel/lib.sh"
trap cleanup EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
export SOURCE_DATE_EPOCH=1700000000
cd "$work" || exit 1

# the sources, copied so that building them leaves the checkout clean
cp -r "$here/src" "$work/src"
plat=emscripten_3_1_46_wasm32
wheel=kiln_oot-0.2.0-cp311-cp311-$plat.whl

# check_wheel WHEEL: RECORD right by zipfile/hashlib, the extension renamed for the target
check_wheel() {
	"$python" - "$1" <<'PY'
import base64, csv, hashlib, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
record = [n for n in names if n.endswith(".dist-info/RECORD")]
assert len(record) == 1, record
rows = list(csv.reader(io.StringIO(z.read(record[0]).decode())))
listed = {r[0] for r in rows}
assert listed == set(names), (listed ^ set(names))
for name, digest, size in rows:
    if name == record[0]:
        assert digest == "" and size == "", (name, digest, size)
        continue
    data = z.read(name)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert digest == want and int(size) == len(data), name
so = [n for n in names if n.endswith(".so")]
if so:
    assert so == ["kiln_oot/_speedups.cpython-311-wasm32-emscripten.so"], so
    assert z.read(so[0])[:4] == b"\0asm", "not WebAssembly"
print("ok", len(names), "files")
PY
}

# ---- kiln build ----
check "build from the source tree" "$kiln" build --outdir "$work/dist" "$work/src/kiln-oot"
check "... the wheel is tagged for the target" test -f "$work/dist/$wheel"
check "... its RECORD and extension are right" check_wheel "$work/dist/$wheel"
check "build the pure dependency" "$kiln" build --outdir "$work/dist" "$work/src/kiln-oot-dep"
check "... a pure wheel stays py3-none-any" test -f "$work/dist/kiln_oot_dep-1.0.0-py3-none-any.whl"

# in the tree with the defaults: ./cache and ./dist inside the tree are not copied into itself
cp -r "$work/src/kiln-oot-dep" "$work/intree"
check "build in the tree with the default ./cache and ./dist" sh -c \
	"cd \"$work/intree\" && KILN_CACHE= \"$kiln\" build && KILN_CACHE= \"$kiln\" build"
check "... the wheel is in ./dist" test -f "$work/intree/dist/kiln_oot_dep-1.0.0-py3-none-any.whl"

mkdir -p "$work/sdists"
check "an sdist by python3 -m build --sdist" "$python" -m build --sdist --no-isolation \
	--outdir "$work/sdists" "$work/src/kiln-oot"
sdist=$work/sdists/kiln-oot-0.2.0.tar.gz
sha=$(sha256sum "$sdist" | cut -d' ' -f1)
check "build from the sdist" "$kiln" build --outdir "$work/dist-sdist" "$sdist"
check "... tagged for the target, RECORD right" check_wheel "$work/dist-sdist/$wheel"
check_fails "a wrong --sha256 for an sdist" "sha256 is $sha" \
	"$kiln" build --outdir "$work/x" --sha256 "$(printf '0%.0s' {1..64})" "$sdist"

# a URL: served on 127.0.0.1 by a real HTTP server
"$root/ci/serve-mirror" "$work/sdists" 0 "$work/port" 2>"$work/server.log" >/dev/null &
server=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$work/port")/kiln-oot-0.2.0.tar.gz
check "build from a URL with --sha256" "$kiln" build --outdir "$work/dist-url" --sha256 "$sha" "$url"
check "... tagged for the target, RECORD right" check_wheel "$work/dist-url/$wheel"
"$kiln" build --outdir "$work/x" "$url" >"$work/nosha.out" 2>&1
check "a URL without --sha256 is a usage error (2)" test $? -eq 2
check "... saying why" grep -q "a URL needs --sha256" "$work/nosha.out"
check_fails "a URL with the wrong digest fails" "sha256" \
	"$kiln" build --outdir "$work/x" --sha256 "$(printf 'a%.0s' {1..64})" "$url"

# options
# wasm_exports WHEEL: the export names of its extension module (the runtime's __* aside)
wasm_exports() {
	"$python" - "$1" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
data = z.read([n for n in z.namelist() if n.endswith(".so")][0])
def leb(i):
    v = s = 0
    while True:
        b = data[i]; i += 1
        v |= (b & 0x7F) << s; s += 7
        if b < 0x80:
            return v, i
i, names = 8, []
while i < len(data):
    sid = data[i]; size, i = leb(i + 1); end = i + size
    if sid == 7:
        n, i = leb(i)
        for _ in range(n):
            ln, i = leb(i); names.append(data[i:i + ln].decode()); i += ln + 1; _, i = leb(i)
    i = end
print(" ".join(sorted(n for n in names if not n.startswith("__"))))
PY
}
check "-C reaches the backend (--py-limited-api makes an abi3 wheel)" "$kiln" build \
	--outdir "$work/dist-abi3" -C--build-option=--py-limited-api=cp311 "$work/src/kiln-oot"
check "... tagged cp311-abi3 for the target, RECORD right" \
	check_wheel "$work/dist-abi3/kiln_oot-0.2.0-cp311-abi3-$plat.whl"
check_fails "... and an option the backend does not know fails the build" \
	"option --no-such-flag not recognized" \
	"$kiln" build --outdir "$work/x" -C--build-option=--no-such-flag "$work/src/kiln-oot"
wasm_exports "$work/dist/$wheel" >"$work/exports-pyinit"
check "--exports pyinit (default): PyInit only" grep -qx "PyInit__speedups" "$work/exports-pyinit"
check "--exports requested" "$kiln" build --outdir "$work/dist-req" --exports requested \
	"$work/src/kiln-oot"
wasm_exports "$work/dist-req/$wheel" >"$work/exports-req"
check "... exports the other global function too" grep -qx \
	"PyInit__speedups kiln_oot_exported" "$work/exports-req"
check "--exports SYM,SYM" "$kiln" build --outdir "$work/dist-list" \
	--exports PyInit__speedups,kiln_oot_exported "$work/src/kiln-oot"
wasm_exports "$work/dist-list/$wheel" >"$work/exports-list"
check "... exports those" cmp "$work/exports-req" "$work/exports-list"
"$kiln" build --exports 'bad name' "$work/src/kiln-oot" >/dev/null 2>&1
check "a bad --exports is a usage error" test $? -eq 2
"$kiln" build -C novalue "$work/src/kiln-oot" >/dev/null 2>&1
check "-C without = is a usage error" test $? -eq 2

# broken inputs: a clear error and status 1
cp -r "$work/src/kiln-oot" "$work/broken"
echo 'this is not C;' >>"$work/broken/kiln_oot/_speedups.c"
check_fails "a tree whose C does not compile" "the PEP 517 build failed" \
	"$kiln" build --outdir "$work/x" "$work/broken"
check_fails "... the compiler's error is shown" "_speedups.c" \
	"$kiln" build --outdir "$work/x" "$work/broken"
check "... and no wheel is left" test ! -e "$work/x/$wheel"
mkdir "$work/empty"
check_fails "a directory that is not a Python project" "not a Python source tree" \
	"$kiln" build --outdir "$work/x" "$work/empty"
check_fails "a file that is not an sdist" "not a source tree or an sdist" \
	"$kiln" build --outdir "$work/x" "$work/src/kiln-oot/setup.py"

# the wheels in the real runtime
cp -r "$runtime" "$work/rt"
check "lockfile add-wheels" "$kiln" lockfile add-wheels --dist "$work/rt" "$work/dist/$wheel" \
	"$work/dist/kiln_oot_dep-1.0.0-py3-none-any.whl"
pyodide() {
	local name=$1
	shift
	node "$here/../pyodide/run.mjs" "$@" >"$work/$name.json"
}
expect() {
	"$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
print(json.dumps(r, indent=1)[:3000])
sys.exit(0 if ok else 1)' "$work/$1.json" "$2"
}
check "load kiln-oot in Pyodide" pyodide load --index "$work/rt" --package kiln-oot \
	--import kiln_oot --code 'import kiln_oot, kiln_oot_dep; (kiln_oot.describe(b"Wikipedia"), kiln_oot_dep.VALUE)'
check "... the extension works (Adler-32, 32-bit pointers) with its dependency" expect load \
	'r["code"][0] == {"ok": True, "result": [{"checksum": 300286872, "pointer_bits": 32}, "dep"]} and "kiln-oot-dep" in r["loaded"]'

# ---- kiln py-compile ----
mkdir "$work/pc1" "$work/pc2"
cp "$work/dist"/*.whl "$work/pc1/"
cp "$work/dist"/*.whl "$work/pc2/"
check "py-compile a compiled wheel" "$kiln" py-compile "$work/pc1/$wheel"
check "py-compile a pure wheel" "$kiln" py-compile "$work/pc1/kiln_oot_dep-1.0.0-py3-none-any.whl"
check "... renamed cp311-none-any, the old name gone" test -f "$work/pc1/kiln_oot_dep-1.0.0-cp311-none-any.whl" \
	-a ! -e "$work/pc1/kiln_oot_dep-1.0.0-py3-none-any.whl"
check "... RECORDs right" check_wheel "$work/pc1/$wheel"
check "... RECORD of the pure one right" check_wheel "$work/pc1/kiln_oot_dep-1.0.0-cp311-none-any.whl"
check ".py replaced by unchecked-hash .pyc of Python 3.11; the file that does not compile stays" \
	"$python" - "$work/pc1" <<'PY'
import glob, importlib.util, sys, zipfile
for path in glob.glob(sys.argv[1] + "/*.whl"):
    z = zipfile.ZipFile(path)
    py = [n for n in z.namelist() if n.endswith(".py")]
    assert py in ([], ["kiln_oot_dep/legacy.py"]), py
    pyc = [n for n in z.namelist() if n.endswith(".pyc")]
    assert pyc, path
    for n in pyc:
        head = z.read(n)[:16]
        assert head[:4] == importlib.util.MAGIC_NUMBER, n
        assert int.from_bytes(head[4:8], "little") == 1, "not an unchecked hash-based pyc"
    tag = [l for l in z.read([n for n in z.namelist() if n.endswith("dist-info/WHEEL")][0]).decode().splitlines() if l.startswith("Tag:")]
    assert len(tag) == 1 and tag[0].startswith("Tag: cp311-"), tag
print("ok")
PY
check_fails "... a warning names the file kept as source" "kept kiln_oot_dep/legacy.py as source" \
	sh -c "\"$kiln\" py-compile \"$work/pc2/kiln_oot_dep-1.0.0-py3-none-any.whl\" && exit 1"
check "py-compile is reproducible (same input, same bytes)" "$kiln" py-compile "$work/pc2/$wheel"
check "... the two runs gave the same bytes" cmp "$work/pc1/$wheel" "$work/pc2/$wheel"
check "... for the pure wheel too" cmp "$work/pc1/kiln_oot_dep-1.0.0-cp311-none-any.whl" \
	"$work/pc2/kiln_oot_dep-1.0.0-cp311-none-any.whl"
check "compiling a compiled wheel changes nothing" "$kiln" py-compile "$work/pc2/$wheel"
check "... same bytes" cmp "$work/pc1/$wheel" "$work/pc2/$wheel"

# a dist directory: wheels and pyodide-lock.json entries
mkdir "$work/d"
check "add-wheels into a dist dir" "$kiln" lockfile add-wheels --dist "$work/d" "$work/dist/$wheel" \
	"$work/dist/kiln_oot_dep-1.0.0-py3-none-any.whl"
check "py-compile the dist dir" "$kiln" py-compile "$work/d"
check "... the lockfile names the new files with their sha256" "$python" - "$work/d" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
lock = json.load(open(os.path.join(d, "pyodide-lock.json")))
for name, fn in [("kiln-oot", "kiln_oot-0.2.0-cp311-cp311-emscripten_3_1_46_wasm32.whl"),
                 ("kiln-oot-dep", "kiln_oot_dep-1.0.0-cp311-none-any.whl")]:
    p = lock["packages"][name]
    assert p["file_name"] == fn, p
    assert p["sha256"] == hashlib.sha256(open(os.path.join(d, fn), "rb").read()).hexdigest(), p
assert sorted(f for f in os.listdir(d) if f.endswith(".whl")) == sorted(
    ["kiln_oot-0.2.0-cp311-cp311-emscripten_3_1_46_wasm32.whl", "kiln_oot_dep-1.0.0-cp311-none-any.whl"])
print("ok")
PY
cp -rn "$runtime"/. "$work/d/"
check "the compiled wheels load in Pyodide" pyodide pyc --index "$work/d" --package kiln-oot \
	--import kiln_oot --import kiln_oot_dep --code 'import kiln_oot; kiln_oot.describe(b"Wikipedia")'
check "... imported from .pyc, and working" expect pyc \
	'r["imports"]["kiln_oot"]["file"].endswith("kiln_oot/__init__.pyc") and r["imports"]["kiln_oot_dep"]["file"].endswith("kiln_oot_dep/__init__.pyc") and r["code"][0]["result"]["checksum"] == 300286872'

# a runtime of another Python: refused
mkdir "$work/d312"
cp "$work/dist/$wheel" "$work/d312/"
"$python" - "$work/d/pyodide-lock.json" "$work/d312/pyodide-lock.json" <<'PY'
import json, sys
lock = json.load(open(sys.argv[1]))
lock["info"]["python"] = "3.12.1"
json.dump(lock, open(sys.argv[2], "w"))
PY
check_fails "py-compile refuses a host Python of another version than the target's" \
	"the host Python $python is 3.11 but the target runtime is Python 3.12" \
	"$kiln" py-compile "$work/d312"
check "... and leaves the wheel alone" cmp "$work/dist/$wheel" "$work/d312/$wheel"

# ---- kiln skeleton ----
check "an sdist with a src/ layout, markers and extras (flit)" "$python" -m build --sdist \
	--no-isolation --outdir "$work/sdists" "$work/src/kiln-skel"
check "an sdist of the dependency" "$python" -m build --sdist --no-isolation \
	--outdir "$work/sdists" "$work/src/kiln-oot-dep"
for s in kiln-oot-0.2.0 kiln-skel-1.10 kiln-oot-dep-1.0.0; do
	check "skeleton $s" "$kiln" skeleton --recipes "$work/recipes" "$work/sdists/$s.tar.gz"
done
for n in kiln-oot kiln-skel; do
	s=$(ls "$work/sdists/$n"-[0-9]*.tar.gz)
	sed "s/@SHA256@/$(sha256sum "$s" | cut -d' ' -f1)/" "$here/expected/$n.yaml" >"$work/$n.expected"
	check "... $n/meta.yaml is exactly as expected" diff -u "$work/$n.expected" "$work/recipes/$n/meta.yaml"
done
check "kiln check accepts the skeletons" "$kiln" check "$work/recipes"
check_fails "an existing recipe is not overwritten" "exists; --force replaces it" \
	"$kiln" skeleton --recipes "$work/recipes" "$work/sdists/kiln-oot-0.2.0.tar.gz"
echo changed >>"$work/recipes/kiln-oot/meta.yaml"
check "... but is with --force" "$kiln" skeleton --force --recipes "$work/recipes" \
	"$work/sdists/kiln-oot-0.2.0.tar.gz"
check "... to the same text" diff -u "$work/kiln-oot.expected" "$work/recipes/kiln-oot/meta.yaml"
check_fails "a tarball without PKG-INFO is not an sdist" "no PKG-INFO" \
	sh -c "tar czf \"$work/plain.tar.gz\" -C \"$work/src\" kiln-oot && \"$kiln\" skeleton --recipes \"$work/r2\" \"$work/plain.tar.gz\""
# a flat layout without egg-info: top-level from the tree's modules, tests and setup.py aside
"$python" - "$work/sdists/kiln_flat-0.1.tar.gz" <<'PY'
import io, sys, tarfile
files = {
    "PKG-INFO": "Metadata-Version: 2.4\nName: kiln_flat\nVersion: 0.1\nLicense: UNKNOWN\n"
                "License-Expression: MIT OR Apache-2.0\nRequires-Dist: toolz; extra == 'x'\n"
                "Requires-Dist: pyparsing (>=3)\n\nlong description: not a header\n",
    "setup.py": "", "kiln_flat.py": "", "kiln_flat_cli/__init__.py": "",
    "tests/test_flat.py": "", "docs/conf.py": "",
}
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, text in files.items():
        data = text.encode()
        info = tarfile.TarInfo("kiln_flat-0.1/" + name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
check "skeleton of a flat layout" "$kiln" skeleton --recipes "$work/recipes" "$work/sdists/kiln_flat-0.1.tar.gz"
check "... top-level from its modules, License-Expression, extras dropped" "$python" - \
	"$work/recipes/kiln_flat/meta.yaml" <<'PY'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
assert m["package"] == {"name": "kiln_flat", "version": "0.1", "top-level": ["kiln_flat", "kiln_flat_cli"]}, m
assert m["requirements"] == {"run": ["pyparsing"]}, m
assert m["about"]["license"] == "MIT OR Apache-2.0", m
assert m["source"]["url"].endswith("/source/k/kiln_flat/kiln_flat-0.1.tar.gz"), m
print("ok")
PY
check "skeleton from a URL" "$kiln" skeleton --recipes "$work/r3" --sha256 "$sha" "$url"
check "... keeps the URL" grep -qF "url: $url" "$work/r3/kiln-oot/meta.yaml"

finish

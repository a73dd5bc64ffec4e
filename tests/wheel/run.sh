#!/usr/bin/env bash
# Wheel post-processing and lockfile tests on wheels built during the test.
# Usage: run.sh WHEELTOOL KILN
set -u
wheeltool=$1
kiln=$2
srcdir=$(cd "$(dirname "$0")" && pwd)
python=${KILN_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$srcdir/lib.sh"
checker() { "$python" "$srcdir/check_archive.py" "$@"; }
export SOURCE_DATE_EPOCH=1700000000
epoch=$SOURCE_DATE_EPOCH
runtime_lock=${KILN_PYODIDE:-$srcdir/../../crossenv/node_modules/pyodide-0.25}/pyodide-lock.json

# --- real wheels from Debian's build frontend and setuptools/flit backends ---
build_inputs || exit 1
build_wheel kiln-fast "$work/out-kiln-fast-elf" || exit 1
mkdir -p "$work/empty-libdir"
demo_whl=$(ls "$work"/out-kiln-demo/*.whl)

check "verify a setuptools wheel" "$wheeltool" verify "$demo_whl"
check "verify a flit wheel" "$wheeltool" verify "$work"/out-kiln-demo-dep/*.whl
"$wheeltool" info "$demo_whl" >"$work/info" 2>&1
check "read METADATA" grep -qxF "requires: pytest ; extra == 'test'" "$work/info"
check "read the summary" grep -qxF "summary: A package with a dependency and tests to unvendor (kiln's wheel tests)" "$work/info"
check "top-level names" grep -qxF "top_level: kiln_demo" "$work/info"

# --- tampered wheels are rejected ---
mkdir -p "$work/tamper" "$work/extra"
"$python" - "$demo_whl" "$work/tamper/kiln_demo-0.3.0-py3-none-any.whl" \
	"$work/extra/kiln_demo-0.3.0-py3-none-any.whl" <<'PY'
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
for out, mode in ((sys.argv[2], "tamper"), (sys.argv[3], "extra")):
    with zipfile.ZipFile(out, "w") as z:
        for i in src.infolist():
            data = src.read(i)
            if mode == "tamper" and i.filename == "kiln_demo/__init__.py":
                data += b"# changed\n"
            z.writestr(i.filename, data)
        if mode == "extra":
            z.writestr("kiln_demo/smuggled.py", b"x = 1\n")
PY
check_fails "tampered file: hash mismatch" "kiln_demo/__init__.py: hash mismatch" \
	"$wheeltool" verify "$work/tamper/kiln_demo-0.3.0-py3-none-any.whl"
check_fails "file missing from RECORD" "kiln_demo/smuggled.py is not listed in RECORD" \
	"$wheeltool" verify "$work/extra/kiln_demo-0.3.0-py3-none-any.whl"
check_fails "truncated zip" "truncated.whl" sh -c "head -c 100 '$demo_whl' > '$work/truncated.whl' && '$wheeltool' verify '$work/truncated.whl'"

# --- post-processing: pure package with tests to unvendor ---
post() { "$wheeltool" postprocess "$@"; }
check "postprocess kiln-demo" post "$work/out-kiln-demo" kiln-demo 0.3.0 "$work/w1" "$work/dist1" \
	--unvendor-tests --retain test_keep.py
check "pure wheel stays py3-none-any" checker wheel "$work/dist1/kiln_demo-0.3.0-py3-none-any.whl" \
	--epoch "$epoch" --tag py3-none-any --has kiln_demo/__init__.py --has kiln_demo/test_keep.py \
	--lacks kiln_demo/tests/test_core.py --lacks kiln_demo/tests/__init__.py \
	--lacks kiln_demo/conftest.py
check "tests archive holds the tests" checker tar "$work/dist1/kiln-demo-tests.tar" --epoch "$epoch" \
	--has kiln_demo/tests/test_core.py --has kiln_demo/tests/__init__.py \
	--has kiln_demo/conftest.py --lacks kiln_demo/test_keep.py
check "kiln's own verifier accepts the result" "$wheeltool" verify "$work/dist1/kiln_demo-0.3.0-py3-none-any.whl"

# --- reproducibility: a rebuilt wheel with other mtimes, another time zone ---
build_wheel kiln-demo "$work/out-again" SOURCE_DATE_EPOCH=1600000000 || exit 1
find "$work/out-again" -exec touch -d '2011-11-11 11:11' {} +
check "the rebuilt input wheel differs" sh -c "! cmp -s '$demo_whl' '$work'/out-again/*.whl"
check "postprocess again (TZ=Asia/Tokyo)" env TZ=Asia/Tokyo "$wheeltool" postprocess \
	"$work/out-again" kiln-demo 0.3.0 "$work/w2" "$work/dist2" --unvendor-tests --retain test_keep.py
check "byte-identical wheel" cmp "$work/dist1/kiln_demo-0.3.0-py3-none-any.whl" \
	"$work/dist2/kiln_demo-0.3.0-py3-none-any.whl"
check "byte-identical tests archive" cmp "$work/dist1/kiln-demo-tests.tar" "$work/dist2/kiln-demo-tests.tar"
check "another SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=1234567890 "$wheeltool" postprocess \
	"$work/out-kiln-demo" kiln-demo 0.3.0 "$work/w3" "$work/dist3"
check "... is honoured" checker wheel "$work/dist3/kiln_demo-0.3.0-py3-none-any.whl" --epoch 1234567890 \
	--has kiln_demo/tests/test_core.py
check "no SOURCE_DATE_EPOCH: 1980-01-01" env -u SOURCE_DATE_EPOCH "$wheeltool" postprocess \
	"$work/out-kiln-demo" kiln-demo 0.3.0 "$work/w4" "$work/dist4"
check "... in the zip" checker wheel "$work/dist4/kiln_demo-0.3.0-py3-none-any.whl" --epoch 315532800
check "repack is stable" sh -c "'$wheeltool' repack '$work/dist1/kiln_demo-0.3.0-py3-none-any.whl' '$work/re.whl' && cmp '$work/re.whl' '$work/dist1/kiln_demo-0.3.0-py3-none-any.whl'"

# --- compiled package: host EXT_SUFFIX renamed, platform retag, post hook, vendoring ---
echo 'not really a library' > "$work/libkilnextra.so"
check "postprocess kiln-fast" post "$work/out-kiln-fast" kiln-fast 0.1.0 "$work/w5" "$work/dist5" \
	--post 'echo "# added by post" > kiln_fast_post.py' --require-compiled
fast_whl=$work/dist5/kiln_fast-0.1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl
check "retagged to the target platform" checker wheel "$fast_whl" --epoch "$epoch" \
	--tag cp311-cp311-emscripten_3_1_46_wasm32 \
	--has kiln_fast.cpython-311-wasm32-emscripten.so --lacks kiln_fast.cpython-311-x86_64-linux-gnu.so \
	--exec kiln_fast.cpython-311-wasm32-emscripten.so --has kiln_fast_post.py
check "compiled modules detected" sh -c "'$wheeltool' info '$fast_whl' | grep -qx 'compiled: true'"
check_fails "vendored libraries are checked for WebAssembly" "kiln_fast.libs/libkilnextra.so is not WebAssembly" \
	post "$work/out-kiln-fast" kiln-fast 0.1.0 "$work/w6" "$work/dist6" --vendor "$work/libkilnextra.so"
cp "$work/fast.wasm" "$work/libkilnextra.so"
check "vendor a shared library" post "$work/out-kiln-fast" kiln-fast 0.1.0 "$work/w6" "$work/dist6" \
	--vendor "$work/libkilnextra.so"
check "... into <name>.libs/" checker wheel "$work/dist6/kiln_fast-0.1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl" \
	--has kiln_fast.libs/libkilnextra.so --exec kiln_fast.libs/libkilnextra.so \
	--exec kiln_fast.cpython-311-wasm32-emscripten.so

check "the libraries a module needs (dylink.0)" sh -c "'$wheeltool' info '$work'/out-kiln-fast/*.whl | grep -qx 'needed: libkilnhelper.so'"
check "vendor what is needed from a library directory" post "$work/out-kiln-fast" kiln-fast 0.1.0 \
	"$work/w10" "$work/dist10" --lib-dir "$work/empty-libdir" --lib-dir "$work/lib"
check "... into kiln_fast.libs/" checker wheel "$work/dist10/kiln_fast-0.1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl" \
	--has kiln_fast.libs/libkilnhelper.so --exec kiln_fast.libs/libkilnhelper.so \
	--exec kiln_fast.cpython-311-wasm32-emscripten.so
check "... and nothing is missing now" sh -c "'$wheeltool' info '$work/dist10/kiln_fast-0.1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl' | grep -qx 'needed:'"

# --- a wheel as a recipe's source: verified and copied unchanged ---
check "pass a wheel through" "$wheeltool" pass-through "$fast_whl" "$work/dist11"
check "... unchanged" cmp "$fast_whl" "$work/dist11/$(basename "$fast_whl")"
check_fails "... not a tampered one" "hash mismatch" \
	"$wheeltool" pass-through "$work/tamper/kiln_demo-0.3.0-py3-none-any.whl" "$work/dist11"
check_fails "... nor one for another platform" "tagged cp311-cp311-linux_x86_64, which the target (emscripten_3_1_46_wasm32) cannot install" \
	"$wheeltool" pass-through "$work"/out-kiln-fast-elf/*.whl "$work/dist11"

# --- shared library archive ---
check "shared library zip" checker zip "$work/shlib/libkilnhelper-1.0.0.zip" --epoch "$epoch" \
	--has libkilnhelper.so --exec libkilnhelper.so
touch -d '2001-01-01' "$work/lib/libkilnhelper.so"
check "... byte-identical when zipped again" sh -c "'$wheeltool' zip-dir '$work/lib' '$work/again.zip' && cmp '$work/again.zip' '$work/shlib/libkilnhelper-1.0.0.zip'"

# --- silent fallbacks and the build's output dir ---
check_fails "host ELF extension rejected" "host ELF object" \
	post "$work/out-kiln-fast-elf" kiln-fast 0.1.0 "$work/w7" "$work/dist7"
check_fails "pure wheel where compiled modules were declared" "built a pure wheel" \
	post "$work/out-kiln-demo" kiln-demo 0.3.0 "$work/w8" "$work/dist8" --require-compiled
mkdir -p "$work/empty" "$work/two"
cp "$demo_whl" "$work"/out-kiln-demo-dep/*.whl "$work/two/"
check_fails "no wheel" "the build produced no wheel" post "$work/empty" x 1 "$work/w9" "$work/dist9"
check_fails "two wheels" "expected one wheel, found 2: kiln_demo-0.3.0-py3-none-any.whl, kiln_demo_dep-1.2.0-py2.py3-none-any.whl" \
	post "$work/two" x 1 "$work/w9" "$work/dist9"
check_fails "wrong version" "the wheel's version 0.3.0 differs from the recipe's version 0.4" \
	post "$work/out-kiln-demo" kiln-demo 0.4 "$work/w9" "$work/dist9"
check "equal versions in another spelling" post "$work/out-kiln-demo" kiln-demo v0.3 "$work/w9" "$work/dist9"
check_fails "post step failure" "the post step failed" \
	post "$work/out-kiln-demo" kiln-demo 0.3.0 "$work/w9" "$work/dist9" --post false

# --- lockfile ---
check "the runtime's lock round-trips byte for byte" sh -c \
	"'$wheeltool' lock-roundtrip '$runtime_lock' '$work/rt.json' && cmp '$runtime_lock' '$work/rt.json'"
check "add-wheels creates dist/ and the lock" "$kiln" lockfile add-wheels --dist "$work/dist" \
	"$work/dist1/kiln_demo-0.3.0-py3-none-any.whl" "$work"/out-kiln-demo-dep/*.whl \
	"$work"/out-six/*.whl "$fast_whl" "$work/dist1/kiln-demo-tests.tar" \
	"$work/shlib/libkilnhelper-1.0.0.zip"
"$python" - "$work/dist" "$runtime_lock" >"$work/lockcheck" 2>&1 <<'PY'
import hashlib, json, os, sys
dist, rt = sys.argv[1], sys.argv[2]
lock = json.load(open(os.path.join(dist, "pyodide-lock.json")))
base = json.load(open(rt))
p = lock["packages"]
assert lock["info"] == base["info"], lock["info"]
assert len(p) == len(base["packages"]) + 5, len(p)
for k, v in base["packages"].items():
    if k != "six":
        assert p[k] == v, k
def entry(key, **want):
    e = p[key]
    for f, v in want.items():
        assert e[f] == v, (key, f, e[f], v)
    digest = hashlib.sha256(open(os.path.join(dist, e["file_name"]), "rb").read()).hexdigest()
    assert e["sha256"] == digest, key
    assert sorted(e) == sorted(base["packages"]["six"]), sorted(e)
entry("kiln-demo", name="kiln-demo", version="0.3.0", depends=["kiln-demo-dep"],
      imports=["kiln_demo"], install_dir="site", package_type="package",
      unvendored_tests=True, shared_library=False,
      file_name="kiln_demo-0.3.0-py3-none-any.whl")
entry("kiln-demo-tests", name="kiln-demo-tests", version="0.3.0", depends=["kiln-demo"],
      imports=[], install_dir="site", package_type="package", unvendored_tests=False,
      file_name="kiln-demo-tests.tar")
entry("kiln-demo-dep", version="1.2.0", depends=[], imports=["kiln_demo_dep"])
entry("six", version="1.99.0", imports=["six"], file_name="six-1.99.0-py3-none-any.whl")
entry("kiln-fast", imports=["kiln_fast"], depends=["libkilnhelper"],
      file_name="kiln_fast-0.1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl")
entry("libkilnhelper", name="libkilnhelper", version="1.0.0", file_name="libkilnhelper-1.0.0.zip",
      install_dir="dynlib", package_type="shared_library", shared_library=True, imports=[],
      depends=[], unvendored_tests=False)
ref = base["packages"]["openssl"]
assert {k: type(v) for k, v in ref.items()} == {k: type(v) for k, v in p["libkilnhelper"].items()}
text = open(os.path.join(dist, "pyodide-lock.json")).read()
assert text == json.dumps(lock, sort_keys=True), "not json.dumps(sort_keys=True) layout"
print("lock ok")
PY
check "lock entries (checked by Python's json)" grep -qx "lock ok" "$work/lockcheck" ||
	cat "$work/lockcheck"
cp "$work/dist/pyodide-lock.json" "$work/lock1.json"
check "adding the same files again changes nothing" sh -c "'$kiln' lockfile add-wheels --dist '$work/dist' '$work'/dist/*.whl '$work'/dist/*.zip '$work/dist/kiln-demo-tests.tar' && cmp '$work/lock1.json' '$work/dist/pyodide-lock.json'"
check "the order of the arguments does not matter" sh -c "rm '$work/dist/pyodide-lock.json' && '$kiln' lockfile add-wheels --dist '$work/dist' '$work/dist/kiln-demo-tests.tar' '$work'/dist/*.zip \$(ls -r '$work'/dist/*.whl) && cmp '$work/lock1.json' '$work/dist/pyodide-lock.json'"
check "a dependency outside the lock: a warning, no entry in depends" sh -c "'$kiln' lockfile add-wheels --dist '$work/distw' '$fast_whl' 2>&1 | grep -qF 'warning: kiln-fast: requires libkilnhelper, which is not in the lockfile' && grep -qF '\"depends\": [], \"file_name\": \"kiln_fast-' '$work/distw/pyodide-lock.json'"
check_fails "a wheel for another platform" "the runtime needs cp311-cp311-emscripten_3_1_46_wasm32 or py3-none-any" \
	"$kiln" lockfile add-wheels --dist "$work/dist" "$work"/out-kiln-fast-elf/*.whl
check_fails "a tampered wheel" "hash mismatch" \
	"$kiln" lockfile add-wheels --dist "$work/dist" "$work/tamper/kiln_demo-0.3.0-py3-none-any.whl"
check_fails "a bad input among good ones" "tests of nopkg, which is neither given nor in the lockfile" \
	"$kiln" lockfile add-wheels --dist "$work/distx" "$work/dist1/kiln_demo-0.3.0-py3-none-any.whl" \
	"$srcdir/../lockfile/data/nopkg-tests.tar"
check "... writes nothing" test ! -e "$work/distx"
check "a failed add-wheels leaves the lock alone" cmp "$work/lock1.json" "$work/dist/pyodide-lock.json"
finish

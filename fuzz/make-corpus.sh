#!/usr/bin/env bash
# Seed corpora for the fuzz targets from the test data: usage make-corpus.sh OUTDIR
# Writes OUTDIR/<target>/ for recipe, extract, wheel, wasm, lock. What the tests
# generate at run time (archives, wheels, WebAssembly modules) is generated here
# the same way. Needs python3 (Debian's) and, for wasm seeds, emcc (skipped
# without it). Inputs over 64 KiB are left out (libFuzzer works on small inputs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$1
py=${KILN_PYTHON:-/usr/bin/python3}
mkdir -p "$out"/{recipe,extract,wheel,wasm,lock}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed name: the content hash, as libFuzzer names its own finds
put() { # target file
	local size
	size=$(stat -c %s "$2")
	[ "$size" -le 65536 ] || return 0
	cp "$2" "$out/$1/$(sha1sum <"$2" | cut -c1-40)"
}

# recipes: every meta.yaml and YAML case of the tests, and the default recipes
while IFS= read -r -d '' f; do put recipe "$f"; done < <(find "$root/tests/recipes" "$root/recipes" \
	\( -name '*.yaml' -o -name '*.yml' \) -print0)

# archives: the extract tests' good and hostile archives
"$py" "$root/tests/data/extract/make_archives.py" "$tmp/archives" "$tmp/outside" >/dev/null
for f in "$tmp"/archives/*.tar* "$tmp"/archives/*.zip "$root"/tests/lockfile/data/*.tar; do
	put extract "$f"
done

# wasm: side modules and objects of the ABI tests, built by emcc
if command -v emcc >/dev/null 2>&1; then
	mkdir -p "$tmp/wasm"
	for src in "$root"/tests/abi/src/*.c; do
		b=$(basename "$src" .c)
		emcc -O2 -fPIC -sSIDE_MODULE=1 "$src" -o "$tmp/wasm/$b.so" >/dev/null 2>&1 &&
			put wasm "$tmp/wasm/$b.so"
		emcc -O2 -fPIC -c "$src" -o "$tmp/wasm/$b.o" >/dev/null 2>&1 &&
			put wasm "$tmp/wasm/$b.o"
	done
fi

# wheels: well-formed ones (pure, with a module of the wasm seeds, with tests and
# Requires-Dist), and the damaged forms the wheel tests use
"$py" - "$tmp/wheels" "$tmp/wasm" <<'PY'
import base64, hashlib, os, sys, zipfile
out, wasm = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
def rec(name, data):
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={h},{len(data)}"
def wheel(fname, files, dist="fuzz_pkg-1.0", tag="py3-none-any", meta_extra="",
          record=True, bad_hash=False):
    files = dict(files)
    files[f"{dist}.dist-info/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {dist.split('-')[0]}\nVersion: 1.0\n"
        f"Summary: a seed\n{meta_extra}\nbody\n").encode()
    files[f"{dist}.dist-info/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: seed\nRoot-Is-Purelib: "
        f"{'true' if tag.endswith('any') else 'false'}\nTag: {tag}\n").encode()
    files[f"{dist}.dist-info/top_level.txt"] = b"fuzz_pkg\n"
    lines = [rec(n, d) for n, d in files.items()]
    if bad_hash:
        lines[0] = lines[0].replace("sha256=", "sha256=AA")
    lines.append(f"{dist}.dist-info/RECORD,,")
    if record:
        files[f"{dist}.dist-info/RECORD"] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(os.path.join(out, fname), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
py = {"fuzz_pkg/__init__.py": b"x = 1\n", "fuzz_pkg/tests/test_x.py": b"def test(): pass\n",
      "fuzz_pkg/conftest.py": b""}
wheel("pure.whl", py, meta_extra="Requires-Dist: numpy (>=1.0)\nRequires-Dist: pytest; extra == 'test'\n"
      "Requires-Dist: six; python_version >= \"3\" and sys_platform == 'emscripten'")
wheel("norecord.whl", py, record=False)
wheel("badhash.whl", py, bad_hash=True)
so = {}
for f in sorted(os.listdir(wasm)) if os.path.isdir(wasm) else []:
    if f.endswith(".so") and os.path.getsize(os.path.join(wasm, f)) < 20000:
        so[f"fuzz_pkg/{f[:-3]}.cpython-311-wasm32-emscripten.so"] = open(os.path.join(wasm, f), "rb").read()
        if len(so) == 2:
            break
wheel("compiled.whl", {**py, **so}, tag="cp311-cp311-emscripten_3_1_46_wasm32")
wheel("elf.whl", {"fuzz_pkg/m.so": b"\x7fELF\x02\x01\x01" + b"\0" * 57}, tag="cp311-cp311-linux_x86_64")
PY
for f in "$tmp"/wheels/*.whl; do put wheel "$f"; done

# lockfiles: the pinned runtime's and the lockfile tests' data
for f in "$root"/crossenv/node_modules/pyodide-0.25/pyodide-lock.json "$root"/tests/lockfile/data/*.json; do
	[ -e "$f" ] || continue
	size=$(stat -c %s "$f")
	if [ "$size" -le 65536 ]; then
		put lock "$f"
	else # the runtime's lockfile, cut to its first packages, still valid JSON
		"$py" - "$f" "$tmp/lock-small.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["packages"] = dict(list(d["packages"].items())[:12])
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
PY
		put lock "$tmp/lock-small.json"
	fi
done
for t in recipe extract wheel wasm lock; do
	printf '%s: %s seeds\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done

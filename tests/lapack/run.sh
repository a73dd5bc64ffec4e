#!/usr/bin/env bash
# The lapack proof: liblapack (reference BLAS + the LAPACK routines DGESV
# needs, tests/lapack/recipes/liblapack) and the lapackdemo C extension built
# with `kiln build-recipes` from a mirror filled from Debian; in Pyodide
# 0.25.1 under node, DGESV (n = 4, 50, 200) and DGEMM (all transposes,
# non-trivial alpha/beta) give results bit-identical to the same sources built
# natively with flang-new-19 in this run; illegal arguments raise
# lapackdemo.LapackError through the XERBLA replacement.
# usage: run.sh KILN WORKDIR     (exit 77 when the Debian archive is unreachable)
set -u
kiln=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$work/dist" "$work/index" "$work/native"
mkdir -p "$work" && work=$(realpath "$work")
export KILN_CACHE=${KILN_CACHE:-$work/cache} NO_COLOR=1 KILN_MIRRORS=
unset KILN_CROSSENV KILN_EXPORTS KILN_LDFLAGS
python=/usr/bin/python3
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); [ -n "${2:-}" ] && tail -n 40 "$2" | sed 's/^/  | /'; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }

KILN_RECIPES=$here/recipes bash "$root/ci/fill-mirror" "$work/mirror" >"$work/mirror.log" 2>&1
st=$?
if [ $st = 75 ]; then
	echo "the Debian archive cannot be reached: skipped"
	exit 77
fi
[ $st = 0 ] && ok "ci/fill-mirror: the LAPACK tarball verified" || { bad "ci/fill-mirror" "$work/mirror.log"; finish; }

cd "$work"
if "$kiln" build-recipes -j2 --recipes "$here/recipes" --mirror "$work/mirror" \
	--dist "$work/dist" lapackdemo >"$work/build.log" 2>&1; then
	ok "build-recipes lapackdemo (liblapack shared library + C extension)"
else
	bad "build-recipes lapackdemo" "$work/build.log"
	finish
fi

# the same sources natively: flang-new-19, x86-64, the wasm build's -O2
mkdir -p "$work/native"
tar xzf "$work/mirror/v3.11.0.tar.gz" -C "$work/native" || { bad "extract for native"; finish; }
L=$work/native/lapack-3.11.0
srcs=()
for f in dgemm dtrsm idamax dscal dswap lsame xerbla; do srcs+=("$L/BLAS/SRC/$f.f"); done
for f in dgesv dgetrf dgetrf2 dgetrs dlaswp ilaenv ieeeck iparmq; do srcs+=("$L/SRC/$f.f"); done
if (cd "$work/native" && flang-new-19 -O0 -c "$L/INSTALL/dlamch.f" -o dlamch.o &&
	flang-new-19 -O2 -c "${srcs[@]}" &&
	flang-new-19 -O2 "$here/native-driver.f90" ./*.o -o driver) >"$work/native.log" 2>&1; then
	ok "native build (flang-new-19, ${#srcs[@]} sources + dlamch)"
else
	bad "native build" "$work/native.log"
	finish
fi
"$python" - "$here/cases.py" "$work/native/in.bin" <<'PY'
import struct, sys
exec(open(sys.argv[1]).read())
with open(sys.argv[2], "wb") as f:
    for c in cases():
        if c[0] == "gesv":
            _, n, nrhs, a, b = c
            f.write(struct.pack("<3i", 1, n, nrhs) + struct.pack(f"<{len(a) + len(b)}d", *a, *b))
        else:
            _, ta, tb, m, n, k, alpha, beta, a, b, cc = c
            f.write(struct.pack("<6i2d", 2, ord(ta), ord(tb), m, n, k, alpha, beta))
            f.write(struct.pack(f"<{len(a) + len(b) + len(cc)}d", *a, *b, *cc))
    f.write(struct.pack("<i", 0))
PY
"$work/native/driver" "$work/native/in.bin" "$work/native/out.bin" || { bad "native driver"; finish; }

mkdir -p "$work/index"
cp -r "$("$kiln" crossenv show --get pyodide_dir)"/. "$work/index"/
cp "$work"/dist/*.whl "$work"/dist/*.zip "$work/dist/pyodide-lock.json" "$work/index"/
code=$(cat "$here/cases.py" "$here/proof.py")
node "$root/tests/pyodide/run.mjs" --index "$work/index" --package lapackdemo \
	--code "$code" >"$work/pyodide.json" 2>&1
"$python" - "$work/pyodide.json" "$work/native/out.bin" <<'PY' >"$work/compare.log" 2>&1
import json, struct, sys
r = json.load(open(sys.argv[1]))
if not r["code"] or not r["code"][0]["ok"]:
    print("Pyodide failed:", r["code"], r.get("errors"), r.get("stderr"))
    sys.exit(1)
got = json.loads(r["code"][0]["result"])
raw = open(sys.argv[2], "rb").read()
native = [x.hex() for x in struct.unpack(f"<{len(raw) // 8}d", raw)]
res = got["results"]
diff = [i for i, (x, y) in enumerate(zip(res, native)) if x != y]
print(f"{len(res)} Pyodide values, {len(native)} native values, {len(diff)} differ")
for i in diff[:10]:
    print(f"  value {i}: pyodide {res[i]} native {native[i]}")
want = ["LapackError: DGESV: illegal value of argument 1",
        "LapackError: DGESV: illegal value of argument 4",
        "LapackError: DGEMM: illegal value of argument 1",
        "[0.5, 0.25]"]
print("illegal:", got["illegal"])
sys.exit(0 if len(res) == len(native) and not diff and got["illegal"] == want else 1)
PY
if [ $? = 0 ]; then
	ok "DGESV n=4,50,200 + DGEMM N/T in Pyodide bit-identical to native: $(head -n 1 "$work/compare.log")"
	ok "illegal arguments raise lapackdemo.LapackError; state cleared after"
else
	bad "Pyodide vs native" "$work/compare.log"
fi
finish

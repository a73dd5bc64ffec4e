#!/usr/bin/env bash
# kiln abi-check with the real emcc and the real Pyodide runtime under node.
# usage: abi-test.sh KILN WASM_MUTATE SRCDIR
# Builds small side modules from SRCDIR/src, checks what abi-check says about
# them, loads the C++ ones into Pyodide, and mutates them for the robustness
# test. Ends with "N passed, N failed".
set -u
kiln=$1
mutate=$2
src=$(cd "$3" && pwd)/src
pass=0
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pyodide=${KILN_PYODIDE:-$(cd "$3/../.." && pwd)/crossenv/node_modules/pyodide-0.25}

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	fail=$((fail + 1))
	sed 's/^/  | /' "$t/out" "$t/err" 2>/dev/null | head -40
}
# run NAME WANT_STATUS CMD...: output into $t/out and $t/err
run() {
	local name=$1 want=$2
	shift 2
	"$@" >"$t/out" 2>"$t/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit status $rc, expected $want"
		return 1
	fi
	return 0
}
# expect NAME FILE TEXT...: every TEXT occurs in $t/FILE
expect() {
	local name=$1 file=$2
	shift 2
	for s in "$@"; do
		if ! grep -qF -- "$s" "$t/$file"; then
			bad "$name: $file lacks '$s'"
			return 1
		fi
	done
	ok "$name"
}
build() { # build OUT SRC [FLAGS...]: a side module
	local out=$1 in=$2
	shift 2
	if ! emcc -O2 -fPIC -sSIDE_MODULE=1 "$@" "$src/$in" -o "$t/$out" >"$t/out" 2>"$t/err"; then
		bad "build $out"
		return 1
	fi
}

build time.so time.c
build stat.so stat.c
build pure.so pure.c
build missing.so missing.c
build fnptr.so fnptr.c
build weak.so weak.c
build libfoo.so libfoo.c
(cd "$t" && emcc -O2 -fPIC -sSIDE_MODULE=1 "$src/usefoo.c" libfoo.so -o usefoo.so) >"$t/out" 2>&1 ||
	bad "build usefoo.so"

# time(): a signature mismatch, the case that fails at load in Pyodide
run "time: rejected" 1 "$kiln" abi-check "$t/time.so" &&
	expect "time: names env.time and both signatures" out \
		"$t/time.so: error: import env.time: signature (i32) -> i32, runtime has (i32) -> i64"

# stat/clock_gettime: same signatures, different struct layout
run "stat: rejected" 1 "$kiln" abi-check "$t/stat.so" &&
	expect "stat: time_t layout of stat and clock_gettime" out \
		"import env.stat: time_t layout: the prototype involves struct stat; time_t is 4 bytes in the toolchain (emscripten 3.1.6), 8 in the runtime (emscripten 3.1.46)" \
		"import env.clock_gettime: time_t layout: the prototype involves struct timespec"

# the address of stat: GOT.func import, the layout still differs
run "fnptr: rejected" 1 "$kiln" abi-check "$t/fnptr.so" &&
	expect "fnptr: GOT.func.stat" out "import GOT.func.stat: time_t layout: the prototype involves struct stat"

# pure computation passes, silently
run "pure: accepted" 0 "$kiln" abi-check "$t/pure.so" &&
	if [ -s "$t/out" ]; then bad "pure: no output expected"; else ok "pure: accepted, no output"; fi

# --allow-abi suppresses exactly the named symbols
run "allow: time accepted" 0 "$kiln" abi-check --allow-abi time "$t/time.so" && ok "allow: --allow-abi time"
run "allow: stat only" 1 "$kiln" abi-check --allow-abi stat "$t/stat.so" &&
	if grep -q "env.stat" "$t/out"; then
		bad "allow: env.stat still reported"
	else
		expect "allow: clock_gettime still reported" out "import env.clock_gettime"
	fi
run "allow: both" 0 "$kiln" abi-check --allow-abi stat --allow-abi clock_gettime "$t/stat.so" &&
	ok "allow: repeated --allow-abi"

# JSON report
run "json: rejected" 1 "$kiln" abi-check --format json "$t/time.so" "$t/pure.so" &&
	if /usr/bin/python3 - "$t/out" <<'PY'; then ok "json: findings with kind and signatures"; else bad "json: content"; fi
import json, sys
r = json.load(open(sys.argv[1]))
assert r["modules"] == 2, r
f = r["findings"]
assert len(f) == 1, f
f = f[0]
assert f["import"] == "env.time" and f["kind"] == "signature", f
assert f["module_signature"] == "(i32) -> i32" and f["runtime_signature"] == "(i32) -> i64", f
PY

# missing symbols; symbols of needed libraries
run "missing: rejected" 1 "$kiln" abi-check "$t/missing.so" &&
	expect "missing: names the symbol" out "import env.kiln_test_nowhere: undefined function"
run "weak: accepted" 0 "$kiln" abi-check "$t/weak.so" && ok "weak: an absent weak import is fine"
run "needed: --lib resolves" 0 "$kiln" abi-check --lib "$t/libfoo.so" "$t/usefoo.so" &&
	ok "needed: import from a --lib module"
run "needed: unavailable lib" 0 "$kiln" abi-check "$t/usefoo.so" &&
	expect "needed: warns that it cannot check" err "needed library libfoo.so is not available"

# wheels: every .so inside, with the other modules of the wheel as providers
mkdir -p "$t/good/pkg" "$t/bad/pkg"
cp "$t/pure.so" "$t/usefoo.so" "$t/libfoo.so" "$t/good/pkg/"
cp "$t/pure.so" "$t/usefoo.so" "$t/libfoo.so" "$t/time.so" "$t/bad/pkg/"
echo "Wheel-Version: 1.0" >"$t/good/pkg/WHEEL"
(cd "$t/good" && /usr/bin/python3 -m zipfile -c ../good-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl pkg)
(cd "$t/bad" && /usr/bin/python3 -m zipfile -c ../bad-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl pkg)
run "wheel: good accepted" 0 "$kiln" abi-check "$t/good-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl" &&
	ok "wheel: modules resolve each other"
run "wheel: bad rejected" 1 "$kiln" abi-check "$t/bad-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl" &&
	expect "wheel: names the member" out \
		"bad-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl!pkg/time.so: error: import env.time: signature"

# malformed input: a clean error, never a crash
head -c 100 "$t/pure.so" >"$t/trunc.so"
printf 'this is not wasm' >"$t/garbage.so"
/usr/bin/python3 - "$t/pure.so" "$t/badlen.so" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[9] = 0xff; b[10] = 0xff; b[11] = 0xff; b[12] = 0x7f   # first section size: huge
open(sys.argv[2], "wb").write(b)
PY
for f in trunc garbage badlen; do
	run "malformed $f: clean error" 1 "$kiln" abi-check "$t/$f.so" &&
		expect "malformed $f: message" err "$t/$f.so: "
done
# hand-made malformations, each with the reason the reader must give
/usr/bin/python3 - "$t" <<'PY'
import sys
d = sys.argv[1]
def sec(i, body): return bytes([i]) + leb(len(body)) + body
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
def name(s): return leb(len(s)) + s
hdr = b"\0asm\1\0\0\0"
dyl = sec(0, name(b"dylink.0") + bytes([1, 4, 0, 0, 0, 0]))
typ = sec(1, bytes([1, 0x60, 1, 0x7f, 1, 0x7f]))
imp = lambda n, t: sec(2, bytes([1]) + name(b"env") + name(n) + bytes([0]) + leb(t))
cases = {
    "version": b"\0asm\2\0\0\0",
    "dupsec": hdr + dyl + typ + typ,
    "longleb": hdr + bytes([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
    "bigleb": hdr + bytes([1, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    "nulname": hdr + dyl + typ + imp(b"ti\0me", 0),
    "typeidx": hdr + dyl + typ + imp(b"time", 5),
    "count": hdr + dyl + sec(1, bytes([0xff, 0xff, 0x03])),
    "trailing": hdr + dyl + sec(1, bytes([0, 0])),
    "valtype": hdr + dyl + sec(1, bytes([1, 0x60, 1, 0x42, 0])),
    "dylinksub": hdr + sec(0, name(b"dylink.0") + bytes([2, 9, 1, 20]) + b"x" * 8),
    "nodylink": hdr + typ + imp(b"time", 0),
}
for k, v in cases.items():
    open("%s/m-%s.so" % (d, k), "wb").write(v)
PY
while read -r f want; do
	run "malformed $f: status 1" 1 "$kiln" abi-check --toolchain-emscripten 3.1.6 --toolchain-time-t 4 "$t/m-$f.so" &&
		expect "malformed $f: $want" err "m-$f.so: $want"
done <<'EOF_CASES'
version unsupported WebAssembly binary version
dupsec malformed WebAssembly binary: duplicate section
longleb malformed WebAssembly binary: LEB128 number too large
bigleb malformed WebAssembly binary: LEB128 number too large
nulname malformed WebAssembly binary: name contains a NUL byte
typeidx malformed WebAssembly binary: import refers to a type index out of range
count malformed WebAssembly binary: element count larger than the data
trailing malformed WebAssembly binary: section size does not match its contents
valtype malformed WebAssembly binary: unknown value type
dylinksub malformed WebAssembly binary: name runs past the end of its container
nodylink not an Emscripten side module (no dylink.0 section)
EOF_CASES
run "mutate: no crash" 0 "$mutate" 3000 "$t/pure.so" "$t/stat.so" "$t/usefoo.so" &&
	expect "mutate: every input parsed or rejected" out "inputs"

# C++: the default link imports libc++ from the runtime -> rejected
if em++ -O2 -fPIC -sSIDE_MODULE=1 "$src/wordcount.cpp" -o "$t/wc-default.so" >"$t/out" 2>"$t/err"; then
	run "c++ default: rejected" 1 "$kiln" abi-check "$t/wc-default.so" &&
		expect "c++ default: libc++ message" out \
			"libc++ symbol bound to the runtime's libc++ (emscripten 3.1.46), but the module was compiled against the libc++ headers of emscripten 3.1.6"
	node "$src/load.mjs" "$pyodide" "$t/wc-default.so" wordcount 'b a c a b a' >"$t/out" 2>"$t/err"
	echo "     (default link in Pyodide returned: $(cat "$t/out"))"
else
	bad "build wc-default.so"
fi

# C++ with a private libc++ (docs/abi.md): accepted and right in Pyodide
pic=$(em-config CACHE)/sysroot/lib/wasm32-emscripten/pic
llvm19=(env EM_LLVM_ROOT=/usr/lib/llvm-19/bin EM_LLVM_ADD_VERSION= EM_CLANG_ADD_VERSION=)
wordcount() { # wordcount NAME: the module returns the right counts in Pyodide
	run "$1: runs in Pyodide" 0 node "$src/load.mjs" "$pyodide" "$t/$1.so" wordcount 'b a c a b a' &&
		if [ "$(cat "$t/out")" = "a:3 b:2 c:1" ]; then
			ok "$1: 'b a c a b a' -> 'a:3 b:2 c:1' in Pyodide"
		else
			bad "$1: wrong answer"
		fi
}
if run "private-archive libc++" 0 "$kiln" private-archive "$pic/libc++-noexcept.a" "$t/libc++-private.a" &&
	run "private-archive libc++abi" 0 "$kiln" private-archive "$pic/libc++abi-noexcept.a" "$t/libc++abi-private.a"; then
	ok "private-archive: libc++ and libc++abi"
	# recipe A: hidden visibility at compile time, SIDE_MODULE=2 with an export list
	if run "c++ recipe A: compile" 0 em++ -O2 -fPIC -fno-exceptions -D_LIBCPP_DISABLE_VISIBILITY_ANNOTATIONS \
		-fvisibility=hidden -fvisibility-inlines-hidden -c "$src/wordcount.cpp" -o "$t/wc-a.o" &&
		run "c++ recipe A: link" 0 "${llvm19[@]}" em++ -O2 -sSIDE_MODULE=2 -sWASM_BIGINT \
			-sEXPORTED_FUNCTIONS=_wordcount "$t/wc-a.o" "$t/libc++-private.a" "$t/libc++abi-private.a" \
			-o "$t/wc-private-a.so"; then
		run "c++ recipe A: accepted" 0 "$kiln" abi-check "$t/wc-private-a.so" && ok "c++ recipe A: no finding"
		wordcount wc-private-a
	fi
	# recipe B: unchanged compile flags, hide-libcxx on the object, SIDE_MODULE=1
	if run "c++ recipe B: compile" 0 em++ -O2 -fPIC -fno-exceptions -c "$src/wordcount.cpp" -o "$t/wc-b.o" &&
		cp "$t/wc-b.o" "$t/wc-b-orig.o" &&
		run "c++ recipe B: hide-libcxx" 0 "$kiln" hide-libcxx "$t/wc-b.o" &&
		run "c++ recipe B: link" 0 "${llvm19[@]}" em++ -O2 -sSIDE_MODULE=1 -sWASM_BIGINT "$t/wc-b.o" \
			-Wl,--no-whole-archive "$t/libc++-private.a" "$t/libc++abi-private.a" \
			-Wl,--unresolved-symbols=import-dynamic -o "$t/wc-private-b.so"; then
		run "c++ recipe B: accepted" 0 "$kiln" abi-check "$t/wc-private-b.so" && ok "c++ recipe B: no finding"
		wordcount wc-private-b
	fi
	run "mutate object: no crash" 0 "$mutate" 300 "$t/wc-b-orig.o" && ok "mutate object: hide_symbols robust"
fi

# C++ exceptions: recipe B with the default (exception-catching) archives; the
# runtime's exception entry points are reported until allowed deliberately
eh=(__cxa_allocate_exception __cxa_free_exception __cxa_throw __cxa_begin_catch __cxa_end_catch
	__cxa_find_matching_catch_2 __cxa_find_matching_catch_3)
if run "c++ eh: private archives" 0 "$kiln" private-archive "$pic/libc++.a" "$t/libc++-eh-private.a" &&
	run "c++ eh: private libc++abi" 0 "$kiln" private-archive "$pic/libc++abi.a" "$t/libc++abi-eh-private.a" &&
	run "c++ eh: compile" 0 em++ -O2 -fPIC -fexceptions -c "$src/exceptions.cpp" -o "$t/eh.o" &&
	run "c++ eh: hide-libcxx" 0 "$kiln" hide-libcxx "$t/eh.o" &&
	run "c++ eh: link" 0 "${llvm19[@]}" em++ -O2 -fexceptions -sSIDE_MODULE=1 -sWASM_BIGINT "$t/eh.o" \
		-Wl,--no-whole-archive "$t/libc++-eh-private.a" "$t/libc++abi-eh-private.a" \
		-Wl,--unresolved-symbols=import-dynamic -o "$t/eh.so"; then
	run "c++ eh: reported" 1 "$kiln" abi-check "$t/eh.so" &&
		expect "c++ eh: __cxa_throw named" out "import env.__cxa_throw: libc++ symbol"
	allow=()
	for s in "${eh[@]}"; do allow+=(--allow-abi "$s"); done
	run "c++ eh: allowed" 0 "$kiln" abi-check "${allow[@]}" "$t/eh.so" && ok "c++ eh: nothing else reported"
	run "c++ eh: runs" 0 node "$src/load.mjs" "$pyodide" "$t/eh.so" wordcount throw &&
		if [ "$(cat "$t/out")" = "caught:boom" ]; then
			ok "c++ eh: thrown and caught in Pyodide"
		else
			bad "c++ eh: wrong answer"
		fi
fi

# a wasm exception tag import (built by hand): the runtime has none
/usr/bin/python3 - "$t/tag.so" <<'PY'
import sys
def sec(i, body): return bytes([i, len(body)]) + body
def name(s): return bytes([len(s)]) + s.encode()
types = sec(1, bytes([1, 0x60, 1, 0x7f, 0]))
imports = sec(2, bytes([1]) + name("env") + name("__cpp_exception") + bytes([4, 0, 0]))
dylink = sec(0, name("dylink.0") + bytes([1, 4, 0, 0, 0, 0]))
open(sys.argv[1], "wb").write(b"\0asm\1\0\0\0" + dylink + types + imports)
PY
run "tag: rejected" 1 "$kiln" abi-check "$t/tag.so" &&
	expect "tag: names the exception tag" out "import env.__cpp_exception: exception tag: the runtime exports no tag"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

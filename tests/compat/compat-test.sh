#!/usr/bin/env bash
# The ABI compat layer (docs/abi.md) end to end: small C and C++ side modules built through
# the wrapper of a real cross environment, checked with kiln abi-check and run in the real
# Pyodide runtime under node, where each time64 shim's result is compared with Python's own
# time/os functions. Usage: compat-test.sh KILN DIR (DIR: tests/compat)
set -u
kiln=$(realpath "$1")
dir=$(cd "$2" && pwd)
src=$dir/src
abisrc=$dir/../abi/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
unset KILN_EXPORTS KILN_LDFLAGS SIDE_MODULE_LDFLAGS KILN_WRAP_DRY_RUN KILN_CROSSENV KILN_COMPAT_DIR
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# run NAME WANT_STATUS CMD...: output in $work/out
run() {
	local name=$1 want=$2
	shift 2
	"$@" >"$work/out" 2>&1
	local st=$?
	if [[ $st == "$want" ]]; then return 0; fi
	bad "$name: exit $st, expected $want"
	sed 's/^/    /' "$work/out" | tail -20
	return 1
}

env=$("$kiln" crossenv setup 2>"$work/setup.err") || { cat "$work/setup.err"; exit 1; }
export KILN_CROSSENV=$env
pyodide=$("$kiln" crossenv show --get pyodide_dir)
cc=$env/bin/cc cxx=$env/bin/c++
get() { "$kiln" crossenv show --get "$1"; }
cd "$work" || exit 1

# -- the environment carries the layer, one archive member per shim
shims=$(sed -n 's/^#ifdef SHIM_//p' "$dir/../../crossenv/compat/time64.c" | sort)
members=$("$(get emar)" t "$env/lib/libkiln-time64.a" | sed 's/\.o$//' | sort)
if [[ -n $shims && $shims == "$members" ]]; then ok "libkiln-time64.a: one member per shim ($(wc -w <<<"$shims"))"
else bad "libkiln-time64.a members: $members (shims: $shims)"; fi
if [[ -f $env/lib/private/libc++-noexcept.a && -f $env/lib/private/libc++abi-noexcept.a &&
	-f $env/lib/private/kiln-libcxx-noexcept.o && -n $(get link_llvm_root) ]]; then
	ok "private libc++ in the environment"
else bad "private libc++ missing: $(ls "$env/lib/private" 2>&1)"; fi
run "crossenv verify covers the layer" 0 "$kiln" crossenv verify && ok "crossenv verify"

# -- the time64 shims, compared with Python's own time/os in the runtime
so=t64.cpython-311-wasm32-emscripten.so
if run "t64: build" 0 bash -c "'$cc' -O2 -fPIC -I/usr/include/python3.11 -c '$src/t64.c' -o t64.o &&
	'$cc' -shared t64.o -o $so"; then
	run "t64: abi-check" 0 "$kiln" abi-check $so && ok "t64: abi-check finds nothing"
	if run "t64: in Pyodide" 0 node "$dir/run-ext.mjs" "$pyodide" "$(cat "$dir/check_t64.py")" $so; then
		ok "t64 in Pyodide: $(tail -1 "$work/out")"
	fi
fi

# -- a kiln.time64 section whose last name lacks its NUL is malformed input, not a list
if [[ -f $so ]] && /usr/bin/python3 - $so bad.so <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
def leb(i):
    r = sh = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << sh; sh += 7
        if c < 0x80: return r, i
i = 8
while True:
    size, j = leb(i + 1)
    n, k = leb(j)
    if b[i] == 0 and b[k:k + n] == b"kiln.time64":
        break
    i = j + size
assert b[j + size - 1] == 0
b[j + size - 1] = ord("x")
open(sys.argv[2], "wb").write(b)
PY
then
	run "malformed kiln.time64" 1 "$kiln" abi-check bad.so &&
	if grep -q 'malformed WebAssembly binary: kiln section name without its terminating NUL' "$work/out"
	then ok "a kiln.time64 name without its NUL: malformed"
	else bad "malformed marker:"; cat "$work/out"; fi
else bad "could not make the malformed marker module"; fi

# -- without the layer (emcc links directly): every shimmed function is a finding and the
#    module does not load
mkdir -p plain
if run "t64 plain: link" 0 "$(get emcc)" -O2 -g0 -sSIDE_MODULE=2 -sEXPORTED_FUNCTIONS=_PyInit_t64 \
	-sWASM_BIGINT t64.o -o plain/$so; then
	"$kiln" abi-check --format json plain/$so >plain.json
	found=$(/usr/bin/python3 -c 'import json,sys
print("\n".join(sorted(f["symbol"] for f in json.load(open(sys.argv[1]))["findings"] if f["kind"] in ("time_t", "signature"))))' plain.json)
	if [[ $found == "$shims" ]]; then ok "plain link: one time_t finding per shimmed function"
	else bad "plain link findings: $found"; fi
	run "plain link in Pyodide" 1 node "$dir/run-ext.mjs" "$pyodide" "import t64" plain/$so &&
		grep -q 'LinkError.*"time"' "$work/out" && ok "plain link fails to load in Pyodide (LinkError env.time)"
fi

# -- an unshimmed time_t function stays a finding next to the layer's imports
if run "unshimmed: build" 0 bash -c "'$cc' -O2 -fPIC -c '$src/unshimmed.c' -o unshimmed.o &&
	KILN_EXPORTS=unshimmed '$cc' -shared unshimmed.o -o unshimmed.so"; then
	run "unshimmed: abi-check" 1 "$kiln" abi-check unshimmed.so &&
	if [[ $(grep -c ': error: ' "$work/out") == 1 ]] && grep -q 'import env.getrusage: time_t layout' "$work/out"
	then ok "unshimmed getrusage() reported, shimmed time() accepted"
	else bad "unshimmed findings:"; cat "$work/out"; fi
fi

# -- the kiln.time64 list is honoured one entry per import, and only by name
if run "marker: build" 0 bash -c "'$cc' -O2 -fPIC -c '$src/marker.c' -o marker.o &&
	'$(get emcc)' -O2 -g0 -sSIDE_MODULE=2 -sEXPORTED_FUNCTIONS=_marker -sWASM_BIGINT marker.o -o marker.so"; then
	run "marker: abi-check" 1 "$kiln" abi-check marker.so &&
	if grep -q 'import env.stat: time_t' "$work/out" && ! grep -q 'import env.gmtime_r:' "$work/out"
	then ok "a kiln.time64 entry covers its name (gmtime_r), not another (stat)"
	else bad "marker findings:"; cat "$work/out"; fi
fi

# -- C++: the private libc++ through the wrapper, right answer in Pyodide
if run "c++: build" 0 bash -c "'$cxx' -O2 -fPIC -c '$abisrc/wordcount.cpp' -o wc.o &&
	KILN_EXPORTS=wordcount '$cxx' -shared wc.o -o wc.so"; then
	run "c++: abi-check" 0 "$kiln" abi-check wc.so && ok "c++ wordcount: abi-check finds nothing"
	run "c++: in Pyodide" 0 node "$abisrc/load.mjs" "$pyodide" wc.so wordcount 'b a c a b a' &&
	if [[ $(cat "$work/out") == 'a:3 b:2 c:1' ]]; then ok "c++ wordcount in Pyodide: a:3 b:2 c:1"
	else bad "c++ wordcount gave: $(cat "$work/out")"; fi
fi
# the same object linked by cc (as setuptools does) is recognised as C++
if run "c++ by cc: link" 0 env KILN_EXPORTS=wordcount "$cc" -shared wc.o -o wc-cc.so; then
	run "c++ by cc: abi-check" 0 "$kiln" abi-check wc-cc.so && ok "c++ object linked by cc: abi-check finds nothing"
fi

# -- C++ exceptions: a module that catches keeps its catch entry points as findings
if run "c++ eh: build" 0 bash -c "'$cxx' -O2 -fPIC -fexceptions -c '$abisrc/exceptions.cpp' -o eh.o &&
	KILN_EXPORTS=wordcount '$cxx' -fexceptions -shared eh.o -o eh.so"; then
	run "c++ eh: abi-check" 1 "$kiln" abi-check --format json eh.so
	kinds=$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["findings"]
print(" ".join(sorted({f["kind"] for f in d})), all(f["symbol"].startswith("__cxa_") or f["symbol"] == "__resumeException" for f in d))' "$work/out")
	if [[ $kinds == "libc++ True" ]]; then ok "c++ -fexceptions: only the exception entry points are findings"
	else bad "c++ -fexceptions findings: $kinds"; fi
fi
# compiled with -fexceptions but linked without: the noexcept marker does not cover catching
if run "c++ eh noexcept link" 0 env KILN_EXPORTS=wordcount "$cxx" -shared eh.o -o eh2.so; then
	run "c++ eh noexcept link: abi-check" 1 "$kiln" abi-check eh2.so &&
	if grep -q 'import env.__cxa_begin_catch' "$work/out" && ! grep -q 'import env.__cxa_throw:' "$work/out"
	then ok "kiln.libcxx covers __cxa_throw, not __cxa_begin_catch"
	else bad "eh2 findings:"; cat "$work/out"; fi
fi

# -- the environment id follows the layer's source
mkdir -p compat && cp "$dir/../../crossenv/compat/"*.c compat/
id1=$(KILN_COMPAT_DIR=$work/compat "$kiln" crossenv setup 2>/dev/null)
echo '/* changed */' >>compat/time64.c
id2=$(KILN_COMPAT_DIR=$work/compat "$kiln" crossenv setup 2>/dev/null)
if [[ $id1 == "$env" && -n $id2 && $id2 != "$id1" ]]; then ok "a changed compat source gives a new environment"
else bad "environment ids: $env / $id1 / $id2"; fi

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]

# Helpers for kiln's shell test suites: sourced, not run.
# check NAME CMD...               the command succeeds
# check_fails NAME PATTERN CMD... the command exits 1 and its output contains PATTERN
# finish                          prints "N passed, N failed" and exits accordingly
pass=0
fail=0
out_file=$(mktemp)
trap 'rm -f "$out_file"' EXIT

check() {
	local name=$1
	shift
	if "$@" >"$out_file" 2>&1; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (status $?): $*"
		sed 's/^/    /' "$out_file"
		fail=$((fail + 1))
	fi
}

check_fails() {
	local name=$1 pattern=$2 status=0
	shift 2
	"$@" >"$out_file" 2>&1 || status=$?
	if [ "$status" -eq 1 ] && grep -qF -- "$pattern" "$out_file"; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: want status 1 and '$pattern', got status $status: $*"
		sed 's/^/    /' "$out_file"
		fail=$((fail + 1))
	fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# build SRC OUTDIR [ENV=VALUE...]: a wheel from tests/wheel/src/SRC with Debian's
# PEP 517 frontend, from a copy of the tree (the backends write into it)
build_wheel() {
	local src=$1 out=$2 copy
	shift 2
	copy=$(mktemp -d "$work/src.XXXXXX")
	cp -r "$srcdir/src/$src/." "$copy/"
	if ! env "$@" "$python" -m build --wheel --no-isolation --outdir "$out" "$copy" \
		>"$copy.log" 2>&1; then
		echo "building $src failed:"
		cat "$copy.log"
		return 1
	fi
}

# build_inputs: what both suites start from, in $work: lib/libkilnhelper.so and
# fast.wasm (WebAssembly side modules from emcc; the second needs the first),
# shlib/libkilnhelper-1.0.0.zip (by kiln), and out-PKG/*.whl for the test packages
build_inputs() {
	local src=$srcdir/src
	mkdir -p "$work/lib" "$work/shlib"
	emcc -O2 -fPIC -sSIDE_MODULE=1 "$src/libkilnhelper/kilnhelper.c" \
		-o "$work/lib/libkilnhelper.so" &&
		emcc -O2 -fPIC -sSIDE_MODULE=1 "$src/kiln-fast/kiln_fast.c" \
			"$work/lib/libkilnhelper.so" -o "$work/fast.wasm" || { echo "emcc failed"; return 1; }
	"$wheeltool" zip-dir "$work/lib" "$work/shlib/libkilnhelper-1.0.0.zip" || return 1
	for p in kiln-demo-dep kiln-demo six; do
		build_wheel "$p" "$work/out-$p" || return 1
	done
	build_wheel kiln-fast "$work/out-kiln-fast" KILN_TEST_PREBUILT="$work/fast.wasm"
}

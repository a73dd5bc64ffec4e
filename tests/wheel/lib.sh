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

#!/usr/bin/env bash
# The isolated build environment (build/buildenv.c) against the real package index, with
# the host's pip as configured: a backend newer than Debian's (flit_core >= 3.9) installed
# into <cache>/buildenv/<id> and used by the build, the environment reused by the next
# build, no environment when Debian's packages suffice, and one clear error for a
# requirement that no index has.
# Usage: run.sh KILN
set -u
kiln=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache}
envs=$KILN_CACHE/buildenv
cp -r "$here/src" "$work/src"
cd "$work" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# build NAME: kiln build of src/NAME into out/, output in NAME.out, status in $st
build() {
	"$kiln" build --outdir "$work/out" "src/$1" >"$1.out" 2>&1
	st=$?
}

build debian
[ $st = 0 ] || { bad "debian: exit $st"; cat debian.out; }
[ -z "$(ls -A "$envs" 2>/dev/null)" ] || bad "debian: a build environment was made: $(ls "$envs")"

build newflit
[ $st = 0 ] || { bad "newflit: exit $st"; cat newflit.out; }
grep -q 'build requirements flit_core>=3.9,<4: installing them into' newflit.out ||
	{ bad "newflit: no install reported"; cat newflit.out; }
dirs=$(ls "$envs" 2>/dev/null)
[ "$(echo "$dirs" | wc -w)" = 1 ] || bad "newflit: build environments: $dirs"
env=$envs/$dirs
# the backend that built the wheel is the one from the index, not Debian's 3.8
"$python" - "$env" "$work"/out/kiln_newflit-1.0-*-none-any.whl <<'PY' || bad "newflit: versions"
import glob, re, sys, zipfile
env, whl = sys.argv[1:]
infos = glob.glob(env + "/flit_core-*.dist-info")
assert len(infos) == 1, infos
installed = tuple(map(int, re.search(r"flit_core-(\d+)\.(\d+)", infos[0]).groups()))
assert installed >= (3, 9), installed
wheel = zipfile.ZipFile(whl).read("kiln_newflit-1.0.dist-info/WHEEL").decode()
gen = re.search(r"Generator: flit (\d+)\.(\d+)", wheel)
assert gen and tuple(map(int, gen.groups())) == installed, (wheel, installed)
PY

# the next build reuses it: no pip
rm -rf "$work/out"
build newflit
[ $st = 0 ] || { bad "newflit again: exit $st"; cat newflit.out; }
grep -q "build requirements flit_core>=3.9,<4: reusing $env" newflit.out ||
	{ bad "newflit again: not reused"; cat newflit.out; }
[ "$(ls "$envs")" = "$dirs" ] || bad "newflit again: build environments: $(ls "$envs")"

build unreachable
[ $st = 1 ] || bad "unreachable: exit $st"
grep -q 'cannot install the build requirements kiln-no-such-requirement>=1.0 from the package index' \
	unreachable.out || { bad "unreachable: message"; cat unreachable.out; }
grep -q 'No matching distribution found for kiln-no-such-requirement>=1.0' unreachable.out ||
	{ bad "unreachable: pip's reason"; cat unreachable.out; }
[ "$(ls -A "$envs")" = "$dirs" ] || bad "unreachable: left in $envs: $(ls -A "$envs")"

[ $fail = 0 ] && echo ok
exit $fail

#!/usr/bin/env bash
# A full disk under kiln build-recipes: small tmpfs mounts (root only; exit 77,
# skipped, when mounting is not permitted) as
#  - dist/ while publishing wheels,
#  - <cache>/work while a source archive is unpacked,
#  - <cache>/builds while the final wheel is written into the cache.
# Each: exit status 1, kiln's error naming "No space left on device", no artifact or
# cache entry half written; with space again, the rerun succeeds.
#   fulldisk.sh KILN RECIPES_SRC   (RECIPES_SRC: tests/hardening/builds, for ok/)
set -euo pipefail
kiln=$1 src=$2
t=$(mktemp -d)
mounts=()
cleanup() {
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
	rm -rf "$t"
}
trap cleanup EXIT
mkdir -p "$t/probe"
if ! mount -t tmpfs -o size=64k tmpfs "$t/probe" 2>/dev/null; then
	echo "cannot mount a tmpfs here: skipped"
	exit 77
fi
umount "$t/probe"
small() { # dir size
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" tmpfs "$1"
	mounts+=("$1")
}
fill() { # dir: leave (almost) no space
	dd if=/dev/zero of="$1/.filler" bs=4k 2>/dev/null || true
}

mkdir -p "$t/recipes" "$t/mirror" "$t/tar/big-1.0/big"
cp -r "$src/ok" "$t/recipes/ok"
# big: a URL source of 4 MiB of random data (the archive does not compress it)
head -c 4194304 /dev/urandom >"$t/tar/big-1.0/big/blob.bin"
echo "x = 1" >"$t/tar/big-1.0/big/__init__.py"
printf '[tool.setuptools.package-data]\nbig = ["*.bin"]\n' >"$t/extra.toml"
sed 's/"ok"/"big"/' "$src/ok/src/pyproject.toml" | cat - "$t/extra.toml" >"$t/tar/big-1.0/pyproject.toml"
tar -C "$t/tar" -czf "$t/mirror/big-1.0.tar.gz" big-1.0
mkdir -p "$t/recipes/big"
cat >"$t/recipes/big/meta.yaml" <<Y
package:
  name: big
  version: "1.0"
source:
  url: https://files.example.invalid/big-1.0.tar.gz
  sha256: $(sha256sum "$t/mirror/big-1.0.tar.gz" | cut -d' ' -f1)
about:
  summary: a large incompressible file
Y

cache=$t/cache
build() { # dist [selection]
	local dist=$1
	shift
	KILN_CACHE=$cache "$kiln" build-recipes -j 2 --recipes "$t/recipes" --dist "$dist" \
		--mirror "$t/mirror" "$@" >"$t/out" 2>"$t/err"
}
fail=0
expect_full() { # what status pattern
	if [ "$2" != 1 ]; then
		echo "FAIL $1: exit status $2, not 1"; cat "$t/out" "$t/err"; fail=1
	elif ! grep -q "kiln: error: .*$3.*No space left on device" "$t/err"; then
		echo "FAIL $1: no '$3...No space left on device' in:"; cat "$t/err"; fail=1
	else
		echo "ok $1: $(grep -m1 'No space left on device' "$t/err" | sed 's|/[^ ]*/||g' | cut -c1-160)"
		[ -z "${KILN_TEST_VERBOSE:-}" ] || cat "$t/err"
	fi
}
intact() { # what dist
	/usr/bin/python3 - "$2" <<'PY' || { echo "FAIL $1: $2 is not intact"; fail=1; }
import hashlib, json, os, sys
dist = sys.argv[1]
for f in os.listdir(dist):
    assert ".tmp." not in f, f
p = os.path.join(dist, "pyodide-lock.json")
if os.path.exists(p):
    lock = json.load(open(p))
    for name, e in lock["packages"].items():
        f = os.path.join(dist, e["file_name"])
        if name in ("ok", "big") or os.path.exists(f):
            assert hashlib.sha256(open(f, "rb").read()).hexdigest() == e["sha256"], name
PY
}
no_partial_entries() { # what
	if find "$cache/builds" -mindepth 2 -maxdepth 2 -name '.stage-*' | grep -q .; then
		echo "FAIL $1: a stage directory was left behind"; fail=1
	fi
	for e in "$cache"/builds/*/*/; do
		[ -e "$e/KEY" ] || continue
		/usr/bin/python3 - "$e" <<'PY' || { echo "FAIL $1: entry $e is not intact"; fail=1; }
import hashlib, json, os, sys
e = sys.argv[1]
for p in json.load(open(os.path.join(e, "entry.json")))["packages"]:
    data = open(os.path.join(e, p["file_name"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == p["sha256"], p["file_name"]
PY
	done
}

# the cross environment and ok, on plenty of space
build "$t/dist0" ok || { echo "setup build failed"; cat "$t/err"; exit 1; }

# 1. dist/ full while publishing
small "$t/dist" 256k
fill "$t/dist"
st=0; build "$t/dist" ok || st=$?
expect_full "full dist" "$st" "cannot copy "
intact "full dist" "$t/dist"
rm -f "$t/dist/.filler"
st=0; build "$t/dist" ok || st=$?
[ "$st" = 0 ] || { echo "FAIL full dist: rerun with space failed"; cat "$t/err"; fail=1; }
intact "full dist, rerun" "$t/dist"

# 2. <cache>/work full while unpacking big's source (4 MiB into 1 MiB)
small "$cache/work" 1m
st=0; build "$t/dist0" big || st=$?
expect_full "full work dir" "$st" "big-1.0.tar.gz: entry .*: Write failed: "
no_partial_entries "full work dir"
umount "$cache/work"
mounts=("${mounts[@]:0:1}")

# 3. <cache>/builds full while the final wheel is written into the stage
mv "$cache/builds" "$cache/builds.disk"
small "$cache/builds" 2m
cp -r "$cache/builds.disk/." "$cache/builds/"
fill "$cache/builds"
st=0; build "$t/dist0" big || st=$?
expect_full "full cache" "$st" "big-1.0-py3-none-any.whl: big/blob.bin: Write error: "
no_partial_entries "full cache"
rm -f "$cache/builds/.filler"
umount "$cache/builds"
mounts=("${mounts[@]:0:1}")
rm -rf "$cache/builds" && mv "$cache/builds.disk" "$cache/builds"
st=0; build "$t/dist0" big || st=$?
[ "$st" = 0 ] || { echo "FAIL: rerun of big with space failed"; cat "$t/err"; fail=1; }
intact "after the reruns" "$t/dist0"
no_partial_entries "after the reruns"
exit $fail

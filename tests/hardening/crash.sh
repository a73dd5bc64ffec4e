#!/usr/bin/env bash
# Crashes and concurrency on one cache and one dist/:
#  1. a clean reference build of four path-source packages (b needs a at build time);
#  2. kill -9 kiln at random points of a build (cross environment setup, building,
#     publishing), and separately kill -9 one of its build children; rerun each time;
#     at the end no stage directory is left in the cache;
#  3. two kiln processes building overlapping selections at the same time;
#  4. a cache entry whose wheel was damaged is refused, not copied to dist/.
# After each phase: the run completes, every cache entry holds exactly the files
# of the reference entry with the same hashes, dist/pyodide-lock.json parses and
# every file it lists exists with its sha256.
#   crash.sh KILN RECIPES_SRC [ROUNDS]   (RECIPES_SRC: tests/hardening/builds, for ok/)
set -euo pipefail
kiln=$1 src=$2 rounds=${3:-4}
t=$(mktemp -d)
cleanup() {
	pkill -9 -P $$ 2>/dev/null || true
	rm -rf "$t"
}
trap cleanup EXIT
seed=${KILN_CRASH_SEED:-$$}
RANDOM=$seed
echo "seed $seed (KILN_CRASH_SEED)"
mkdir -p "$t/recipes"
for p in a b c d; do
	mkdir -p "$t/recipes/$p/src/pkg_$p"
	echo "x = '$p'" >"$t/recipes/$p/src/pkg_$p/__init__.py"
	sed "s/\"ok\"/\"pkg-$p\"/" "$src/ok/src/pyproject.toml" >"$t/recipes/$p/src/pyproject.toml"
	{
		printf 'package:\n  name: pkg-%s\n  version: "1.0"\nsource:\n  path: src\n' "$p"
		[ "$p" = b ] && printf 'requirements:\n  host:\n    - pkg-a\n'
		printf 'about:\n  summary: package %s\n' "$p"
	} >"$t/recipes/$p/meta.yaml"
	mv "$t/recipes/$p" "$t/recipes/pkg-$p"
done

build() { # cache dist [selection...]
	local cache=$1 dist=$2
	shift 2
	KILN_CACHE=$cache "$kiln" build-recipes -j 2 --recipes "$t/recipes" --dist "$dist" "$@"
}

# every file of every published entry: "name/key/file sha256"
entries() {
	(cd "$1/builds" && find . -mindepth 3 -type f ! -name '*.tmp.*' -printf '%P\n' |
		grep -v '^[^/]*/\.stage-' | sort | while read -r f; do
			echo "$f $(sha256sum <"$f" | cut -c1-64)"
		done)
}

fail=0
verify() { # what cache dist
	entries "$2" >"$t/got"
	if ! cmp -s "$t/ref" "$t/got"; then
		echo "FAIL $1: cache entries differ from the clean build:"
		diff "$t/ref" "$t/got" | head -20
		fail=1
	fi
	/usr/bin/python3 - "$3" <<'PY' || { echo "FAIL $1: dist/ is not intact"; fail=1; }
import hashlib, json, os, sys
dist = sys.argv[1]
lock = json.load(open(os.path.join(dist, "pyodide-lock.json")))
mine = {k: v for k, v in lock["packages"].items() if k.startswith("pkg-")}
assert sorted(mine) == ["pkg-a", "pkg-b", "pkg-c", "pkg-d"], sorted(mine)
for name, p in mine.items():
    data = open(os.path.join(dist, p["file_name"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == p["sha256"], name
for f in os.listdir(dist):
    assert ".tmp." not in f, f
PY
}

# 1. reference
build "$t/ref-cache" "$t/ref-dist" >"$t/log" 2>&1 || { cat "$t/log"; exit 1; }
entries "$t/ref-cache" >"$t/ref"
[ "$(wc -l <"$t/ref")" -ge 12 ] || { echo "FAIL: reference build has too few files"; cat "$t/ref"; exit 1; }
ref_secs=$(grep -o '([0-9.]*s)' "$t/log" | tr -d '(s)' | tail -n 1)
echo "reference build: ${ref_secs}s"

# 2. kill -9 kiln, or one of its children, at random points; then complete
cache=$t/cache dist=$t/dist
for i in $(seq "$rounds"); do
	delay=$((RANDOM % 15 + 1))
	victim=kiln
	[ $((i % 2)) = 0 ] && victim=child
	build "$cache" "$dist" >"$t/log" 2>&1 &
	pid=$!
	sleep "$delay"
	if [ "$victim" = kiln ]; then
		kill -9 "$pid" 2>/dev/null || true
	else
		kids=$(pgrep -P "$pid" || true)
		k=$(echo "$kids" | head -n 1)
		[ -n "$k" ] && kill -9 "$k" 2>/dev/null || true
	fi
	wait "$pid" || true
	echo "round $i: killed $victim after ${delay}s"
	# orphaned children of a killed kiln may still run: let them finish
	sleep 1
	if ! build "$cache" "$dist" >"$t/log" 2>&1; then
		echo "FAIL round $i: the rerun failed"; cat "$t/log"; fail=1
	fi
	verify "round $i" "$cache" "$dist"
	grep -h 'stage director' "$t/log" || true
done
# a killed build leaves its stage directory; the next run removes those that
# no live process holds (the last round killed a child, so none is running)
build "$cache" "$dist" >"$t/log" 2>&1 || { echo "FAIL: no-op rerun"; cat "$t/log"; fail=1; }
left=$(find "$cache/builds" -mindepth 2 -maxdepth 2 -name '.stage-*' | wc -l)
if [ "$left" != 0 ]; then
	echo "FAIL: $left stage directories left in the cache"; fail=1
fi

# 3. two processes, overlapping selections, one cache and one dist/
cache=$t/cache2 dist=$t/dist2
build "$cache" "$dist" pkg-a pkg-b pkg-c >"$t/log1" 2>&1 &
p1=$!
build "$cache" "$dist" pkg-b pkg-c pkg-d >"$t/log2" 2>&1 &
p2=$!
s1=0 s2=0
wait "$p1" || s1=$?
wait "$p2" || s2=$?
if [ "$s1" != 0 ] || [ "$s2" != 0 ]; then
	echo "FAIL concurrent: exit statuses $s1 and $s2"; cat "$t/log1" "$t/log2"; fail=1
fi
verify concurrent "$cache" "$dist"
echo "concurrent builds: $s1 $s2"

# 4. a damaged cache entry is not published
whl=$(find "$cache/builds/pkg-c" -name '*.whl' | head -n 1)
printf 'X' | dd of="$whl" bs=1 seek=40 conv=notrunc 2>/dev/null
rm -f "$dist/$(basename "$whl")"
st=0
build "$cache" "$dist" >"$t/log" 2>&1 || st=$?
if [ "$st" != 1 ] || ! grep -q "not .* as recorded: a damaged cache entry" "$t/log"; then
	echo "FAIL damaged entry: status $st"; cat "$t/log"; fail=1
elif [ -e "$dist/$(basename "$whl")" ]; then
	echo "FAIL damaged entry: published to dist/"; fail=1
else
	echo "damaged entry refused"
fi
exit $fail

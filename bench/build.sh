#!/usr/bin/env bash
# kiln build-recipes: cold build at -j1 vs -j2 and the no-op rebuild of the
# whole set, measured in one run on the same machine.
# usage: bench/build.sh KILN MIRROR [SELECTION...]   (default selection: '*')
# Each cold build uses a fresh cache (the cross environment is set up once
# beforehand and copied in, so both cold builds measure package builds only).
set -euo pipefail
kiln=$(realpath "$1") mirror=$(realpath "$2")
shift 2
sel=("$@")
[ ${#sel[@]} -gt 0 ] || sel=('*')
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/kiln-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$root/recipes" "$work/recipes"
cd "$work"
export KILN_CACHE="$work/envcache" KILN_MIRRORS=
"$kiln" crossenv setup >/dev/null 2>&1
"$kiln" fetch --mirror "$mirror" "${sel[@]}" >/dev/null 2>&1

ms() { echo $(( ($2 - $1) / 1000000 )); }
cold() {
	rm -rf "$work/cache" "$work/dist"
	cp -r "$work/envcache" "$work/cache"
	local t0 t1
	t0=$(date +%s%N)
	KILN_CACHE="$work/cache" "$kiln" build-recipes -j "$1" --mirror "$mirror" --dist "$work/dist" \
		"${sel[@]}" >"$work/log-j$1" 2>&1
	t1=$(date +%s%N)
	ms "$t0" "$t1"
}
j1=$(cold 1)
j2=$(cold 2)
# the no-op rebuild, best of 10, on the -j2 cache
best=999999
for _ in $(seq 10); do
	t0=$(date +%s%N)
	KILN_CACHE="$work/cache" "$kiln" build-recipes --mirror "$mirror" --dist "$work/dist" \
		"${sel[@]}" >/dev/null 2>&1
	t1=$(date +%s%N)
	t=$(ms "$t0" "$t1")
	[ "$t" -lt "$best" ] && best=$t
done
n=$("$kiln" graph --recipes "$work/recipes" "${sel[@]}" 2>/dev/null | wc -l)
echo "packages: $n (${sel[*]})"
echo "cold build -j1: ${j1} ms"
echo "cold build -j2: ${j2} ms"
awk -v a="$j2" -v b="$j1" 'BEGIN { printf "ratio -j2/-j1: %.2f (target <= 0.60)\n", a / b }'
echo "no-op rebuild: ${best} ms, best of 10 (target <= 50 ms)"

#!/usr/bin/env bash
# The shared remote cache: a cold build (uploading to the store) vs a fresh machine through
# the warm store, and shards 1/2 + 2/2 (run one after the other, as two runners would in
# parallel) vs the cold build on one machine. The store is Debian's nginx with WebDAV on
# 127.0.0.1 (tests/remote/store.sh). The shards build keys of another SOURCE_DATE_EPOCH, so
# the store has none of their packages, only the durations the cold build recorded there
# (their runners have no local records).
# usage: bench/remote-cache.sh KILN MIRROR [SELECTION...]   (default selection: '*')
# NO_STORE=1 adds a cold build without a store (the cost of uploading).
# Every build starts from a fresh cache holding only the cross environment and the sources,
# set up once beforehand, so the figures are package builds, downloads and publishing. Each
# figure is printed as soon as it is measured.
set -euo pipefail
kiln=$(realpath "$1") mirror=$(realpath "$2")
shift 2
sel=("$@")
[ ${#sel[@]} -gt 0 ] || sel=('*')
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/kiln-bench-remote.XXXXXX)
chmod 755 "$work" # nginx's workers reach the store under it
. "$root/tests/remote/store.sh"
trap 'store_stop; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cp -r "$root/recipes" "$work/recipes"
cd "$work"
export KILN_MIRRORS= KILN_REMOTE_CACHE=
KILN_CACHE="$work/envcache" "$kiln" crossenv setup >/dev/null 2>&1
KILN_CACHE="$work/envcache" "$kiln" fetch --mirror "$mirror" "${sel[@]}" >/dev/null 2>&1
store_start "$work/nginx" >/dev/null

ms() { echo $(( ($2 - $1) / 1000000 )); }
# run NAME [options...]: a build on a fresh machine; prints its milliseconds
run() {
	local name=$1 t0 t1; shift
	rm -rf "$work/$name"
	mkdir -p "$work/$name"
	cp -r "$work/envcache" "$work/$name/cache"
	t0=$(date +%s%N)
	KILN_CACHE="$work/$name/cache" "$kiln" build-recipes --mirror "$mirror" \
		--dist "$work/$name/dist" "$@" "${sel[@]}" >"$work/$name.log" 2>&1 || echo "$name: the build failed (see $work/$name.log)" >&2
	t1=$(date +%s%N)
	ms "$t0" "$t1"
}
say() { printf '%-38s %s\n' "$1" "$2"; }
echo "selection: ${sel[*]}"
if [ -n "${NO_STORE:-}" ]; then
	say "cold build, no store:" "$(run nostore) ms"
fi
cold=$(run cold --remote-cache "$store_url")
say "cold build uploading to the store:" "${cold} ms ($(grep -o '[0-9]* packages: .*' "$work/cold.log" | tail -1))"
warm=$(run warm --remote-cache "$store_url")
say "fresh machine, warm store:" "${warm} ms ($(awk "BEGIN{printf \"%.3f\", $warm/$cold}")x the cold build)"
say "store size:" "$(( $(du -sb "$work/nginx/store" | cut -f1) / 1024 )) KiB"
export SOURCE_DATE_EPOCH=1700000000
s1=$(run s1 --remote-cache "$store_url" --shard 1/2)
say "shard 1/2:" "${s1} ms"
s2=$(run s2 --remote-cache "$store_url" --shard 2/2)
say "shard 2/2:" "${s2} ms"
say "shards, the longer (two runners):" "$(( s1 > s2 ? s1 : s2 )) ms vs ${cold} ms on one machine"
grep -h "^split\|^shard" "$work/s1.log" "$work/s2.log" || true

#!/usr/bin/env bash
# The shared remote cache: a cold build vs a fresh machine through a warm store, and
# shards 1/2 + 2/2 (run one after the other, as two runners would in parallel) vs one
# machine. The store is Debian's nginx with WebDAV on 127.0.0.1 (tests/remote/store.sh).
# usage: bench/remote-cache.sh KILN MIRROR [SELECTION...]   (default selection: '*')
# Every build starts from a fresh cache holding only the cross environment, set up once
# beforehand, so the figures are package builds, downloads and publishing.
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
		--dist "$work/$name/dist" "$@" "${sel[@]}" >"$work/$name.log" 2>&1
	t1=$(date +%s%N)
	ms "$t0" "$t1"
}
cold=$(run cold)
upload=$(run upload --remote-cache "$store_url")
warm=$(run warm --remote-cache "$store_url")
store_bytes=$(du -sb "$work/nginx/store" | cut -f1)
# shards against an empty store: keys of another SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH=1700000000
one=$(run one)
s1=$(run s1 --remote-cache "$store_url" --shard 1/2)
s2=$(run s2 --remote-cache "$store_url" --shard 2/2)
echo "selection: ${sel[*]} ($(grep -o '[0-9]* packages' "$work/cold.log" | tail -1))"
echo "cold build, no store:                 ${cold} ms"
echo "cold build uploading to the store:    ${upload} ms"
echo "fresh machine, warm store:            ${warm} ms ($(awk "BEGIN{printf \"%.3f\", $warm/$cold}")x the cold build)"
echo "store size:                           $((store_bytes / 1024)) KiB"
echo "one machine:                          ${one} ms"
echo "shard 1/2, then shard 2/2:            ${s1} ms + ${s2} ms (the longer: $(( s1 > s2 ? s1 : s2 )) ms)"
grep -h "^shard" "$work/s1.log" "$work/s2.log" || true

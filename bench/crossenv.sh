#!/usr/bin/env bash
# `kiln crossenv setup` per target, in one run: cold (an empty cache: the target's Python
# headers, toolchain and host interpreter fetched, checked and unpacked) and warm (the same
# cache again), side by side, with each target's warm/cold ratio.
# usage: bench/crossenv.sh [KILN] [TARGET...]     (default targets: 0.25 0.29 314)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=$(realpath "${1:-$root/build/buildsys/kiln}")
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(0.25 0.29 314)
work=${KILN_BENCH_DIR:-$root/cache/bench}/crossenv
unset KILN_CROSSENV KILN_PYODIDE KILN_TARGET
export NO_COLOR=1
now() { echo "${EPOCHREALTIME/./}"; }

printf '%-6s %10s %10s %10s  %s\n' target cold_s warm_s warm/cold environment
for t in "${targets[@]}"; do
	cache=$work/$t
	rm -rf "$cache"
	mkdir -p "$cache"
	t0=$(now)
	KILN_CACHE=$cache "$kiln" crossenv setup --target "$t" >"$work/$t.cold" 2>"$work/$t.cold.err" ||
		{ echo "$t: setup failed:"; tail -n 5 "$work/$t.cold.err"; exit 1; }
	t1=$(now)
	KILN_CACHE=$cache "$kiln" crossenv setup --target "$t" >"$work/$t.warm" 2>/dev/null
	t2=$(now)
	cmp -s "$work/$t.cold" "$work/$t.warm" || { echo "$t: warm setup named another environment"; exit 1; }
	awk -v t="$t" -v c=$((t1 - t0)) -v w=$((t2 - t1)) -v e="$(cat "$work/$t.cold")" 'BEGIN {
		printf "%-6s %10.2f %10.3f %10.4f  %s\n", t, c / 1e6, w / 1e6, w / c, e }'
	rm -rf "$cache"
done

#!/usr/bin/env bash
# Per-translation-unit compile time of kiln's wrapper (`cc` from the cross environment)
# against the bare clang command it runs (same arguments) and against emcc, on the C files
# of a real project (zlib, Debian's source package). Runs are interleaved file by file.
# usage: bench/wrap.sh [KILN] [ROUNDS]     (use a release build of kiln)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=$(realpath "${1:-$root/build/buildsys/kiln}")
rounds=${2:-5}
work=${KILN_BENCH_DIR:-$root/cache/bench}
mkdir -p "$work"
export KILN_CACHE=${KILN_CACHE:-$root/cache}
env=$("$kiln" crossenv setup)
export KILN_CROSSENV=$env
unset KILN_WRAP_DRY_RUN KILN_WRAP_NO_FASTPATH

if [ ! -d "$work/zlib" ]; then
	(cd "$work" && apt-get source --download-only zlib >/dev/null 2>&1)
	mkdir "$work/zlib"
	tar -xf "$work"/zlib_*.orig.tar.* -C "$work/zlib" --strip-components=1
fi
cd "$work/zlib"
files=(adler32.c compress.c crc32.c deflate.c gzlib.c gzread.c gzwrite.c infback.c
	inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c)
flags=(-O2 -g0 -fPIC -DHAVE_HIDDEN -DHAVE_UNISTD_H -DHAVE_STDARG_H -I.)
emcc=$("$kiln" crossenv show --get emcc)

declare -A tw=() tc=() te=() mw=() mc=() me=()
now() { echo "${EPOCHREALTIME/./}"; }
# CPU time (user+sys, ms) of this shell's finished children: less disturbed by other load
# on the machine than wall time
cpu() {
	times >"$work/times"
	local l re='([0-9]+)m([0-9]+)\.([0-9]+)s ([0-9]+)m([0-9]+)\.([0-9]+)s'
	l=$(tail -n 1 "$work/times")
	[[ $l =~ $re ]]
	CPU=$(((10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[2]}) * 1000 + 10#${BASH_REMATCH[3]} +
		(10#${BASH_REMATCH[4]} * 60 + 10#${BASH_REMATCH[5]}) * 1000 + 10#${BASH_REMATCH[6]}))
}
cw=0 cc=0 ce=0
for ((r = 0; r < rounds; r++)); do
	for f in "${files[@]}"; do
		# the exact command the wrapper execs
		read -r -a direct <<<"$(KILN_WRAP_DRY_RUN=1 "$env/bin/cc" "${flags[@]}" -c "$f" -o "$work/c.o")"
		read -r -a slow <<<"$(KILN_WRAP_DRY_RUN=1 KILN_WRAP_NO_FASTPATH=1 "$env/bin/cc" "${flags[@]}" -c "$f" -o "$work/e.o")"
		cpu; c0=$CPU
		t0=$(now); "$env/bin/cc" "${flags[@]}" -c "$f" -o "$work/w.o"
		t1=$(now); cpu; c1=$CPU; "${direct[@]}"
		t2=$(now); cpu; c2=$CPU; "${slow[@]}"
		t3=$(now); cpu; c3=$CPU
		cw=$((cw + c1 - c0)) cc=$((cc + c2 - c1)) ce=$((ce + c3 - c2))
		[ "${slow[0]}" = "$emcc" ]
		for k in w c e; do
			case $k in w) d=$((t1 - t0)) ;; c) d=$((t2 - t1)) ;; e) d=$((t3 - t2)) ;; esac
			declare -n m=m$k
			[ -z "${m[$f]:-}" ] || [ "$d" -lt "${m[$f]}" ] && m[$f]=$d
			unset -n m
		done
		tw[$f]=$((${tw[$f]:-0} + t1 - t0))
		tc[$f]=$((${tc[$f]:-0} + t2 - t1))
		te[$f]=$((${te[$f]:-0} + t3 - t2))
		cmp -s "$work/w.o" "$work/c.o" && cmp -s "$work/w.o" "$work/e.o" ||
			{ echo "objects differ for $f" >&2; exit 1; }
	done
done
printf '%-12s %10s %10s %10s %9s %9s\n' file "wrapper" "clang" "emcc" "wrap/cl" "emcc/wrap"
sw=0 sc=0 se=0
for f in "${files[@]}"; do
	w=$((tw[$f] / rounds)) c=$((tc[$f] / rounds)) e=$((te[$f] / rounds))
	sw=$((sw + w)) sc=$((sc + c)) se=$((se + e))
	printf '%-12s %8d µs %7d µs %7d µs %9s %9s\n' "$f" "$w" "$c" "$e" \
		"$(awk "BEGIN{printf \"%.3f\", $w/$c}")" "$(awk "BEGIN{printf \"%.2f\", $e/$w}")"
done
n=${#files[@]}
printf '%-12s %8d µs %7d µs %7d µs %9s %9s\n' "mean per TU" $((sw / n)) $((sc / n)) $((se / n)) \
	"$(awk "BEGIN{printf \"%.3f\", $sw/$sc}")" "$(awk "BEGIN{printf \"%.2f\", $se/$sw}")"
sw=0 sc=0 se=0
for f in "${files[@]}"; do
	sw=$((sw + mw[$f])) sc=$((sc + mc[$f])) se=$((se + me[$f]))
done
printf '%-12s %8d µs %7d µs %7d µs %9s %9s\n' "best per TU" $((sw / n)) $((sc / n)) $((se / n)) \
	"$(awk "BEGIN{printf \"%.3f\", $sw/$sc}")" "$(awk "BEGIN{printf \"%.2f\", $se/$sw}")"
printf '%-12s %8d ms %7d ms %7d ms %9s %9s\n' "CPU, all" "$cw" "$cc" "$ce" \
	"$(awk "BEGIN{printf \"%.3f\", $cw/$cc}")" "$(awk "BEGIN{printf \"%.2f\", $ce/$cw}")"
t0=$(now)
for ((i = 0; i < 50; i++)); do
	KILN_WRAP_DRY_RUN=1 "$env/bin/cc" "${flags[@]}" -c zutil.c -o "$work/w.o" >/dev/null
done
t1=$(now)
echo "wrapper start-up (dry run: start, read the environment, rewrite, print): $(((t1 - t0) / 50)) µs"
echo "($rounds rounds, interleaved; objects of all three byte-identical)"

#!/usr/bin/env bash
# Run one fuzz target briefly on its corpus (suite fuzz-smoke):
#   smoke.sh FUZZER TARGET FUZZ_SRC_DIR CORPUS_DIR
# The seeds are made once (make-corpus.sh) into CORPUS_DIR; the saved crash inputs
# of FUZZ_SRC_DIR/regress/TARGET run first. KILN_FUZZ_SECONDS (default 20) per target.
# A fixed seed keeps CI's run reproducible; a long run for finding bugs is in
# docs/hardening.md.
set -euo pipefail
fuzzer=$1 target=$2 src=$3 corpus=$4
secs=${KILN_FUZZ_SECONDS:-20}
if [ ! -d "$corpus/$target" ]; then
	"$src/make-corpus.sh" "$corpus.tmp" >/dev/null
	rm -rf "$corpus" && mv "$corpus.tmp" "$corpus"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
"$fuzzer" -seed="${KILN_FUZZ_SEED:-1}" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work" "$corpus/$target" "$src/regress/$target" \
	2>"$work.log" || { cat "$work.log"; rm -f "$work.log"; exit 1; }
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work.log" || true
rm -f "$work.log"

#!/usr/bin/env bash
# The size of a PyO3 extension (tests/rust/src/rsdemo) built by `kiln build` with kiln's
# Rust release profile (docs/rust.md "Size") and with cargo's defaults
# (KILN_RUST_PROFILE=cargo): wheel and module bytes of each, and the ratio.
# usage: bench/rust-size.sh KILN [TARGET]   (KILN_CACHE: the cache to use)
set -euo pipefail
kiln=$(realpath "$1")
target=${2:-0.25}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_TARGET=$target
unset KILN_RUST_PROFILE
for mode in kiln cargo; do
	cp -r "$root/tests/rust/src/rsdemo" "$work/src-$mode"
	if [ "$mode" = cargo ]; then export KILN_RUST_PROFILE=cargo; fi
	"$kiln" build --outdir "$work/$mode" "$work/src-$mode" >"$work/$mode.log" 2>&1 ||
		{ cat "$work/$mode.log"; exit 1; }
done
size() { # size WHEEL: "WHEEL_BYTES SO_BYTES"
	/usr/bin/python3 - "$1" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
so = sum(i.file_size for i in z.infolist() if i.filename.endswith(".so"))
import os
print(os.path.getsize(sys.argv[1]), so)
PY
}
read -r kw ks < <(size "$work"/kiln/*.whl)
read -r cw cs < <(size "$work"/cargo/*.whl)
printf 'target %s: %s\n' "$target" "$(basename "$work"/kiln/*.whl)"
printf '%-24s %10s %10s\n' profile "wheel" "module"
printf '%-24s %10d %10d\n' "cargo defaults" "$cw" "$cs"
printf '%-24s %10d %10d\n' "kiln" "$kw" "$ks"
/usr/bin/python3 -c "import sys; cw, kw, cs, ks = map(int, sys.argv[1:]); print('smaller: wheel %.1fx, module %.1fx' % (cw / kw, cs / ks))" "$cw" "$kw" "$cs" "$ks"

#!/usr/bin/env bash
# Rust extensions for a target (docs/rust.md): rsdemo (PyO3 through maturin from the package
# index) and the PyPI package rpds-py built by recipes (requirements.executable: rustup),
# rsdemo also by `kiln build`, each loaded and checked in that Pyodide under node by
# `kiln test` (the recipes' test.script); the ABI check rejects the module once its kiln.*
# marker is gone (0.25); an sdist with `cargo vendor`ed crates builds offline with an empty
# CARGO_HOME.
# Skipped (77) only when there is no Rust compiler at all.
# usage: run.sh KILN TARGET
set -euo pipefail
kiln=$(realpath "$1")
target=${2:-0.25}
here=$(cd "$(dirname "$0")" && pwd)
command -v rustc >/dev/null && command -v cargo >/dev/null ||
	{ echo "skip: no rustc/cargo on PATH"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KILN_CACHE=${KILN_TEST_CACHE:-$work/cache} KILN_TARGET=$target NO_COLOR=1
unset KILN_CROSSENV KILN_PYODIDE KILN_CARGO_HOME
fail() { echo "FAIL $*"; exit 1; }
run() { # run NAME CMD...: quiet unless it fails
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "$name"; }
}

# the recipes: rsdemo, and rpds-py 2026.9.1 from PyPI (PyO3 0.29, maturin)
run recipe "$kiln" build-recipes --recipes "$here/recipes" --dist "$work/dist" rsdemo rpds-py
"$kiln" test --recipes "$here/recipes" --dist "$work/dist" rsdemo rpds-py | tee "$work/test.log"
grep -q '^ok   rsdemo' "$work/test.log" || fail "recipe: rsdemo in Pyodide $target"
grep -q '^ok   rpds-py' "$work/test.log" || fail "recipe: rpds-py in Pyodide $target"
whl=$(ls "$work/dist"/rsdemo-1.0.0-*.whl)
echo "ok   recipe: $(basename "$whl") ($(stat -c %s "$whl") bytes)"

# kiln build from the source tree; the wheel checked with the same script
cp -r "$here/src/rsdemo" "$work/rsdemo"
run oot "$kiln" build --outdir "$work/oot" "$work/rsdemo"
mkdir "$work/d2"
run add "$kiln" lockfile add-wheels --dist "$work/d2" "$work/oot"/rsdemo-1.0.0-*.whl
"$kiln" test --recipes "$here/recipes" --dist "$work/d2" rsdemo | tee "$work/test2.log"
grep -q '^ok   rsdemo' "$work/test2.log" || fail "kiln build: rsdemo in Pyodide $target"
echo "ok   kiln build: $(basename "$work/oot"/rsdemo-1.0.0-*.whl)"

# abi-check passes the module; where the toolchain's time_t differs from the runtime's
# (0.25: Emscripten 3.1.6 vs 3.1.46) it rejects it without the marker of its Rust imports
# (the libc crate's 64-bit time_t, JavaScript exceptions through the runtime's __cxa_*)
mkdir "$work/so"
(cd "$work/so" && /usr/bin/python3 -m zipfile -e "$whl" .)
so=$(ls "$work/so"/rsdemo/*.so)
run abi "$kiln" abi-check "$so"
objcopy=$(command -v llvm-objcopy-19 || command -v llvm-objcopy)
"$objcopy" --remove-section=kiln.time64 --remove-section=kiln.libcxx "$so" "$work/bare.so"
if [ "$target" = 0.25 ]; then
	if "$kiln" abi-check "$work/bare.so" >"$work/bare.log" 2>&1; then
		fail "abi-check accepts the module without its kiln.* marker"
	fi
	grep -q 'import env.clock_gettime: time_t layout' "$work/bare.log" &&
		grep -q 'import env.__cxa_throw: libc++' "$work/bare.log" ||
		{ cat "$work/bare.log"; fail "abi-check: not the Rust imports"; }
	echo "ok   abi-check: $(grep -c 'error: import' "$work/bare.log") findings without the marker, none with it"
else
	run bare "$kiln" abi-check "$work/bare.so"
	echo "ok   abi-check: the module needs no marker (same time_t, wasm exceptions)"
fi

# an sdist with vendored crates, offline, with an empty CARGO_HOME
sd=$work/sdist/rsdemo-1.0.0
mkdir -p "$sd/.cargo"
cp -r "$here/src/rsdemo/." "$sd/"
# (vendoring takes every platform's crates, which the build did not download: from crates.io)
(cd "$sd" && CARGO_HOME=$KILN_CACHE/cargo cargo vendor --locked vendor \
	>"$sd/.cargo/config.toml" 2>"$work/vendor.log") || { cat "$work/vendor.log"; fail "cargo vendor"; }
printf 'Metadata-Version: 2.1\nName: rsdemo\nVersion: 1.0.0\n' >"$sd/PKG-INFO"
tar -C "$work/sdist" -czf "$work/rsdemo-1.0.0.tar.gz" rsdemo-1.0.0
mkdir "$work/empty-cargo"
KILN_CARGO_HOME=$work/empty-cargo CARGO_NET_OFFLINE=true \
	run vendored "$kiln" build --outdir "$work/vend" "$work/rsdemo-1.0.0.tar.gz"
[ -z "$(ls -A "$work/empty-cargo/registry/cache" 2>/dev/null)" ] ||
	{ ls -R "$work/empty-cargo" | head; fail "the offline build took crates from crates.io"; }
echo "ok   vendored sdist offline: $(basename "$work/vend"/rsdemo-1.0.0-*.whl)"

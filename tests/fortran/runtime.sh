#!/usr/bin/env bash
# kiln fortran-runtime: builds once (into $KILN_CACHE, shared by the suite),
# reuses the cached build, refuses a tarball that does not match its .dsc.
# Usage: runtime.sh KILN
set -u
kiln=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; for f in "$@"; do tail -n 30 "$f" | sed 's/^/  | /'; done; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if "$kiln" fortran-runtime >"$work/dir" 2>"$work/err"; then
	dir=$(cat "$work/dir")
	if [ -s "$dir/libFortranRuntime.a" ] && [ -s "$dir/signatures.tsv" ]; then
		ok "runtime built: $(wc -l <"$dir/signatures.tsv") signatures"
	else bad "runtime directory incomplete" "$work/err"; fi
else bad "kiln fortran-runtime" "$work/err"; dir=/nonexistent; fi

sig() { grep -qx "$(printf '%s\t%s\t%s' "$1" "$2" "$3")" "$dir/signatures.tsv"; }
if sig _FortranAioOutputAscii iii i && sig malloc i i && sig __kiln_c4_csqrtf i I && sig _FortranAcpowi iii -; then
	ok "signatures: wasm32 runtime (size_t i32), libc imports, COMPLEX(4) shims, sret"
else bad "signatures" "$dir/signatures.tsv"; fi

start=$(date +%s)
if [ "$("$kiln" fortran-runtime 2>"$work/err2")" = "$dir" ] && [ $(($(date +%s) - start)) -lt 10 ]; then
	ok "second call reuses the cached build"
else bad "cached build not reused" "$work/err2"; fi
if ls -d "$(dirname "$dir")"/tmp-* >/dev/null 2>&1; then
	bad "temporary build directories left behind"
else ok "no temporary build directory left"; fi

# a .dsc whose checksum does not match the tarball: refused, nothing cached
src=$(dirname "$(dirname "$dir")")/sources/llvm-toolchain-19
mkdir -p "$work/cache/sources/llvm-toolchain-19"
for f in "$src"/*; do ln -s "$f" "$work/cache/sources/llvm-toolchain-19/"; done
dsc=$(ls "$src"/*.dsc)
rm "$work/cache/sources/llvm-toolchain-19/$(basename "$dsc")"
sha=$(sha256sum "$(ls "$src"/*.orig.tar.*)" | cut -d' ' -f1)
sed "s/$sha/$(printf '0%.0s' $(seq 64))/" "$dsc" >"$work/cache/sources/llvm-toolchain-19/$(basename "$dsc")"
if ! KILN_CACHE="$work/cache" "$kiln" fortran-runtime >/dev/null 2>"$work/err3" &&
	grep -q "does not match the .dsc" "$work/err3" &&
	[ -z "$(ls "$work/cache/fortran-runtime" | grep -v '^\.lock$')" ]; then
	ok "a tarball that does not match its .dsc is refused, nothing cached"
else bad "checksum mismatch" "$work/err3"; fi

"$kiln" fortran-runtime extra >/dev/null 2>&1
if [ $? = 2 ]; then ok "extra argument: usage error"; else bad "extra argument"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# kiln build-recipes -k on recipes that fail in every way a build can
# (tests/hardening/builds, plus a URL-source recipe whose patch does not apply,
# made here with its tarball in a mirror): each failure is one clear error naming
# the package, the independent package still builds, the dependent one is skipped,
# and the exit status is 1.
#   builds.sh KILN RECIPES_SRC
set -euo pipefail
kiln=$1 src=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cp -r "$src" "$t/recipes"
mkdir -p "$t/mirror" "$t/recipes/badpatch/patches" "$t/tar/badpatch-1.0/badpatch"
echo "x = 1" >"$t/tar/badpatch-1.0/badpatch/__init__.py"
cp "$src/ok/src/pyproject.toml" "$t/tar/badpatch-1.0/"
sed -i 's/"ok"/"badpatch"/' "$t/tar/badpatch-1.0/pyproject.toml"
tar -C "$t/tar" --sort=name --mtime=@0 --owner=0 --group=0 -czf "$t/mirror/badpatch-1.0.tar.gz" badpatch-1.0
cat >"$t/recipes/badpatch/patches/0001-nothing.patch" <<'P'
--- a/badpatch/__init__.py
+++ b/badpatch/__init__.py
@@ -1 +1 @@
-y = 2
+y = 3
P
cat >"$t/recipes/badpatch/meta.yaml" <<Y
package:
  name: badpatch
  version: "1.0"
source:
  url: https://files.example.invalid/badpatch-1.0.tar.gz
  sha256: $(sha256sum "$t/mirror/badpatch-1.0.tar.gz" | cut -d' ' -f1)
  patches:
    - patches/0001-nothing.patch
about:
  summary: a patch that does not apply
Y
st=0
KILN_CACHE="$t/cache" "$kiln" build-recipes -k -j 2 --timeout 20 --recipes "$t/recipes" \
	--dist "$t/dist" --mirror "$t/mirror" >"$t/out" 2>"$t/err" || st=$?
fail=0
[ "$st" = 1 ] || { echo "FAIL: exit status $st, not 1"; fail=1; }
expect() {
	grep -qF -- "$1" "$t/err" || { echo "FAIL: no line: $1"; fail=1; }
}
expect_wheel() {
	[ -e "$t/dist/$1" ] || { echo "FAIL: no $1 in dist/"; fail=1; }
}
while IFS= read -r line; do
	[ -n "$line" ] && expect "$line"
done <<'E'
FAILED: failscript (exit status 1); the last lines of
kiln: error: build.script failed (exit status 3)
FAILED: badpatch (exit status 1); the last lines of
kiln: error: patch patches/0001-nothing.patch does not apply to
  | 1 out of 1 hunk FAILED -- saving rejects to file badpatch/__init__.py.rej
FAILED: nowheel (exit status 1); the last lines of
nowheel/wheel: the build produced no wheel
FAILED: twowheels (exit status 1); the last lines of
twowheels/wheel: expected one wheel, found 2: twowheels-1.0-py3-none-any.whl, twowheels-1.0.post1-py3-none-any.whl
FAILED: wrongversion (exit status 1); the last lines of
the wheel's version 2.0 differs from the recipe's version 1.0
FAILED: hang (exit status 1); the last lines of
kiln: error: bash timed out after 20 s and was killed
FAILED: badconstraint (exit status 1); the last lines of
kiln: error: requirements.constraint setuptools<1: the host has setuptools
9 packages: 1 built, 0 up to date, 7 failed, 1 skipped
E
expect_wheel ok-1.0-py3-none-any.whl
if [ "$fail" = 1 ]; then
	echo "--- stdout"; cat "$t/out"; echo "--- stderr"; cat "$t/err"
fi
[ ! -e "$t/dist/needsfail-1.0-py3-none-any.whl" ] || { echo "FAIL: needsfail was built"; fail=1; }
exit $fail

#!/usr/bin/env bash
# ci/fill-mirror and ci/serve-mirror against the real Debian archive.
# Usage: check-fill.sh ROOT
# Exits 77 (skip) when apt has no deb-src index or the archive cannot be
# reached; otherwise every check below really runs.
set -u
root=$1
python=${KILN_PYTHON:-/usr/bin/python3}
fill=$root/ci/fill-mirror
serve=$root/ci/serve-mirror
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-fill.XXXXXX")
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 15; }

if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources; then
	echo "skip: apt has no deb-src index (run ci/setup)"
	exit 77
fi

# sha256 of each recipe's file in DIR must equal the recipe's (but for sources that
# ci/mirror.list leaves to the package index); prints the mismatches.
verify() {
	"$python" - "$1" "$2" "$root/ci/mirror.list" <<'PY'
import hashlib, os, sys, yaml
recipes, mirror, mlist = sys.argv[1], sys.argv[2], sys.argv[3]
indexed = {l.split()[0] for l in open(mlist) if l.split()[1:3] == ["-", "index"]}
bad = 0
for name in sorted(os.listdir(recipes)):
    if name in indexed:
        continue
    path = os.path.join(recipes, name, "meta.yaml")
    if not os.path.isfile(path):
        continue
    src = (yaml.safe_load(open(path)) or {}).get("source") or {}
    if not src.get("url"):
        continue
    file = os.path.join(mirror, src["url"].split("?")[0].rsplit("/", 1)[-1])
    if not os.path.isfile(file):
        print(f"{name}: {file} missing"); bad += 1; continue
    h = hashlib.sha256(open(file, "rb").read()).hexdigest()
    if h != src["sha256"]:
        print(f"{name}: {file} has {h}, recipe says {src['sha256']}"); bad += 1
sys.exit(1 if bad else 0)
PY
}

# 1. a fresh fill of every recipe
mirror=$tmp/mirror
CI=true "$fill" "$mirror" </dev/null >"$tmp/fill1.out" 2>&1
status=$?
if [ $status -eq 75 ]; then
	echo "skip: the Debian archive cannot be reached"
	sed 's/^/     /' "$tmp/fill1.out" | tail -n 5
	exit 77
fi
[ $status -eq 0 ] && ok "fill-mirror fills an empty mirror" || bad "fill-mirror fills an empty mirror (exit $status)" "$tmp/fill1.out"
grep -E "recipes with a url source" "$tmp/fill1.out" | sed 's/^/     /'
verify "$root/recipes" "$mirror" >"$tmp/verify1.out" 2>&1 &&
	ok "every recipe's file is in the mirror with the recipe's sha256" ||
	bad "every recipe's file is in the mirror with the recipe's sha256" "$tmp/verify1.out"
if ls -A "$mirror" | grep -q '^\.'; then bad "no temporary files left in the mirror"; else ok "no temporary files left in the mirror"; fi

# 2. idempotent: a second run fetches nothing
"$fill" "$mirror" </dev/null >"$tmp/fill2.out" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q " 0 fetched, 0 failed" "$tmp/fill2.out"; then
	ok "a second run fetches nothing"
else
	bad "a second run fetches nothing (exit $status)" "$tmp/fill2.out"
fi

# 3. a damaged file is noticed and fetched again
victim=$mirror/webencodings-0.5.1.tar.gz
printf 'x' >>"$victim"
"$fill" "$mirror" </dev/null >"$tmp/fill3.out" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q "webencodings: .*fetching it again" "$tmp/fill3.out" &&
	grep -q " 1 fetched, 0 failed" "$tmp/fill3.out" && verify "$root/recipes" "$mirror" >/dev/null; then
	ok "a damaged mirror file is fetched again"
else
	bad "a damaged mirror file is fetched again (exit $status)" "$tmp/fill3.out"
fi

# A recipe set of one small recipe, to provoke failures.
mkrecipes() {
	rm -rf "$tmp/recipes"
	mkdir -p "$tmp/recipes"
	cp -r "$root/recipes/webencodings" "$tmp/recipes/"
}

# 4. a sha256 mismatch is a loud failure naming both hashes, and nothing is stored
mkrecipes
good=b36a1c245f2d304965eb4e0a82848379241dc04b865afcc4aab16748587e1923
wrong=deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef
sed -i "s/$good/$wrong/" "$tmp/recipes/webencodings/meta.yaml"
KILN_RECIPES=$tmp/recipes "$fill" "$tmp/m4" </dev/null >"$tmp/fill4.out" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q "sha256 MISMATCH" "$tmp/fill4.out" && grep -q "$good" "$tmp/fill4.out" &&
	grep -q "$wrong" "$tmp/fill4.out" && [ -z "$(ls -A "$tmp/m4")" ]; then
	ok "a sha256 mismatch fails, names both hashes and stores nothing"
else
	bad "a sha256 mismatch fails, names both hashes and stores nothing (exit $status)" "$tmp/fill4.out"
fi

# 5. a recipe without a mirror entry is reported
mkrecipes
cp -r "$tmp/recipes/webencodings" "$tmp/recipes/webencodings-copy"
sed -i 's|webencodings-0.5.1.tar.gz|webencodings-copy-0.5.1.tar.gz|' "$tmp/recipes/webencodings-copy/meta.yaml"
KILN_RECIPES=$tmp/recipes "$fill" "$tmp/m5" </dev/null >"$tmp/fill5.out" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q "webencodings-copy: no entry in" "$tmp/fill5.out" &&
	[ -f "$tmp/m5/webencodings-0.5.1.tar.gz" ]; then
	ok "a recipe without a mirror entry is reported, the others are still fetched"
else
	bad "a recipe without a mirror entry is reported, the others are still fetched (exit $status)" "$tmp/fill5.out"
fi

# 6. an orig file Debian does not provide is reported
mkrecipes
printf 'webencodings python-webencodings python-webencodings_9.9.orig.tar.gz\n' >"$tmp/list6"
KILN_RECIPES=$tmp/recipes KILN_MIRROR_LIST=$tmp/list6 "$fill" "$tmp/m6" </dev/null >"$tmp/fill6.out" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q "did not give python-webencodings_9.9.orig.tar.gz" "$tmp/fill6.out"; then
	ok "an orig file Debian does not provide is reported"
else
	bad "an orig file Debian does not provide is reported (exit $status)" "$tmp/fill6.out"
fi

# 7. an unknown source package is reported
printf 'webencodings no-such-source-package-kiln no-such-source-package-kiln_1.orig.tar.gz\n' >"$tmp/list7"
KILN_RECIPES=$tmp/recipes KILN_MIRROR_LIST=$tmp/list7 "$fill" "$tmp/m7" </dev/null >"$tmp/fill7.out" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q "no-such-source-package-kiln is not known to apt" "$tmp/fill7.out"; then
	ok "an unknown source package is reported"
else
	bad "an unknown source package is reported (exit $status)" "$tmp/fill7.out"
fi

# 8. an unreachable archive (apt sent to a closed local port) is told apart: exit 75
closed=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'Acquire::http::Proxy "http://127.0.0.1:%s";\nAcquire::Retries "0";\n' "$closed" >"$tmp/apt.conf"
APT_CONFIG=$tmp/apt.conf KILN_RECIPES=$tmp/recipes "$fill" "$tmp/m8" </dev/null >"$tmp/fill8.out" 2>&1
status=$?
if [ $status -eq 75 ] && grep -q "webencodings: cannot reach the Debian archive" "$tmp/fill8.out"; then
	ok "an unreachable archive is reported as such (exit 75)"
else
	bad "an unreachable archive is reported as such (exit 75, got $status)" "$tmp/fill8.out"
fi

# 9. serve-mirror serves the mirror on 127.0.0.1 only
"$serve" "$mirror" 0 "$tmp/port" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port" 2>/dev/null)
if [ -n "$port" ]; then
	read -r got code listen < <("$python" - "$port" <<'PY'
import hashlib, sys, urllib.error, urllib.request
port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}/"
got = hashlib.sha256(urllib.request.urlopen(base + "MarkupSafe-2.1.2.tar.gz").read()).hexdigest()
try:
    code = urllib.request.urlopen(base + "no-such-file.tar.gz").status
except urllib.error.HTTPError as e:
    code = e.code
# the listening socket's local address, from the kernel's table (state 0A = LISTEN)
listen = []
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).readlines()[1:]:
        f = line.split()
        addr, p = f[1].split(":")
        if int(p, 16) == port and f[3] == "0A":
            if len(addr) == 8:
                listen.append(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)) + f":{port}")
            else:
                listen.append(f"[{addr}]:{port}")
print(got, code, ",".join(listen) or "-")
PY
)
	if [ "$got" = abcabc8c2b26036d62d4c746381a6f7cf60aafcc653198ad678306986b09450d ] && [ "$code" = 404 ] &&
		[ "$listen" = "127.0.0.1:$port" ]; then
		ok "serve-mirror serves the files on 127.0.0.1:$port, 404 for others"
	else
		echo "     sha256 $got, missing file -> $code, listening on '$listen'"
		bad "serve-mirror serves the files on 127.0.0.1:$port, 404 for others" "$tmp/serve.err"
	fi
else
	bad "serve-mirror reports its port" "$tmp/serve.err"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/bash
# kiln serve in a real browser: a C extension built by kiln (path source, no network)
# is served with the runtime, loaded through the page's button in headless chromium,
# and called from the page's Python prompt; plus the server's HTTP behaviour.
#   run.sh KILN WORKDIR
# Needs /usr/bin/chromium and `npm ci` in this directory (ci/setup does both).
set -u
kiln=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
export KILN_CACHE=$work/cache
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for need in /usr/bin/chromium "$here/node_modules/playwright-core/package.json"; do
	if [ ! -e "$need" ]; then
		echo "missing $need: run ci/setup (installs chromium, npm ci in tests/browser)"
		exit 1
	fi
done
mkdir -p "$work"
rm -rf "$work/dist"
if ! "$kiln" build-recipes --recipes "$here/recipes" --dist "$work/dist" > "$work/build.out" 2>&1; then
	cat "$work/build.out"
	echo "FAIL: build-recipes"
	exit 1
fi

# no stale port: the background job truncates its output only once it runs
rm -f "$work/serve.out" "$work/serve.err"
"$kiln" serve --port 0 --dist "$work/dist" > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
stop() { kill -INT $pid 2>/dev/null; }
trap stop EXIT
port=
for _ in $(seq 100); do
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.out" "$work/serve.err"; echo "FAIL: no port printed"; exit 1; }
echo "kiln serve on port $port"
base=http://127.0.0.1:$port

# the HTTP side: types, HEAD, 404, no way out of the served directories
code() { curl -s -o /dev/null -w '%{http_code} %{content_type}' "$@"; }
[ "$(code "$base/")" = "200 text/html; charset=utf-8" ] || fail "/: $(code "$base/")"
[ "$(code "$base/pyodide.asm.wasm")" = "200 application/wasm" ] || fail "wasm type"
[ "$(code "$base/pyodide.mjs")" = "200 text/javascript" ] || fail "mjs type"
[ "$(code "$base/pyodide-lock.json")" = "200 application/json" ] || fail "json type"
whl=$(cd "$work/dist" && ls *.whl)
[ "$(code "$base/$whl")" = "200 application/zip" ] || fail "whl type"
cmp -s <(curl -s "$base/pyodide-lock.json") "$work/dist/pyodide-lock.json" ||
	fail "the lockfile served is not dist's"
cmp -s <(curl -s "$base/$whl") "$work/dist/$whl" || fail "the wheel served differs"
head=$(curl -sI "$base/$whl" | tr -d '\r' | sed -n 's/^Content-Length: //p')
[ "$head" = "$(stat -c %s "$work/dist/$whl")" ] || fail "HEAD Content-Length $head"
[ -z "$(curl -s -I "$base/$whl" -o /dev/null -w '%{size_download}' | tr -d 0)" ] || fail "HEAD has a body"
for bad in /nothing.whl /..%2f..%2fetc%2fpasswd /%2e%2e/etc/passwd /.kiln-manifest /sub/dir \
	"/pyodide.mjs%00.html"; do
	[ "$(code --path-as-is "$base$bad")" = "404 text/plain; charset=utf-8" ] ||
		fail "$bad: $(code --path-as-is "$base$bad")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/")" = 405 ] || fail "DELETE"
# idle connections (browsers preconnect) must not hold the server up
exec 7<>"/dev/tcp/127.0.0.1/$port" 8<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /pyodide-lock.json HTTP/1.1\r\nHost: x\r\n' >&8 # an unfinished request
[ "$(code -m 5 "$base/pyodide.mjs")" = "200 text/javascript" ] || fail "blocked by idle connections"
exec 7>&- 8>&-
big=$(head -c 20000 /dev/zero | tr '\0' a)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$base/")" = 431 ] || fail "huge header"
# parallel downloads of the runtime come out whole
for i in 1 2 3 4 5 6; do curl -s -o "$work/wasm.$i" "$base/pyodide.asm.wasm" & done
wait $(jobs -p | grep -vx "$pid")
for i in 1 2 3 4 5 6; do
	cmp -s "$work/wasm.$i" "${KILN_PYODIDE:-$here/../../crossenv/node_modules/pyodide-0.25}/pyodide.asm.wasm" ||
		fail "parallel download $i differs"
done
rm -f "$work"/wasm.*
curl -s "$base/kiln-packages.json" | grep -q '"name":"kt-ext"' || fail "kiln-packages.json"
if ss -ltn 2>/dev/null | grep -q "0.0.0.0:$port\b"; then fail "listens beyond loopback"; fi

# the page in chromium
if ! (cd "$here" && node serve-test.mjs "$base/" kt-ext "$work/serve-page.png"); then
	fail "browser test"
fi

stop
trap - EXIT
wait $pid
st=$?
[ $st = 0 ] || fail "kiln serve exit status $st after SIGINT"
grep -q stopped "$work/serve.err" || fail "no 'stopped' message: $(cat "$work/serve.err")"
[ $fails = 0 ] && echo "all kiln serve checks passed"
exit $((fails > 0))

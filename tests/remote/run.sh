#!/usr/bin/env bash
# The shared remote cache against a real store: Debian's nginx with WebDAV on 127.0.0.1,
# with the small recipes of the build suite (a patched static library, a C extension linking
# it, a pure package). Two caches as two machines; a damaged stored object; a dead, an
# erroring and a killed store; two kiln processes uploading the same keys at once; read-only
# mode; shards whose union is the full build.
# usage: run.sh KILN WORKDIR
set -u
kiln=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/  | /' <<<"$2" | head -40; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "${3:-}"; fi; }
. "$here/store.sh"

rm -rf "$work"
mkdir -p "$work/mirror" "$work/proj"
export NO_COLOR=1 KILN_MIRRORS= KILN_REMOTE_CACHE= SOURCE_DATE_EPOCH=1700000000
cp -r "$root/tests/build/recipes" "$work/proj/recipes"
rm -r "$work/proj/recipes/"{fails,fallback,dependsonfail}
(cd "$root/tests/build/clib-src" && tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$work/mirror/clib-1.0.tar.gz" clib-1.0)
sha=$(sha256sum "$work/mirror/clib-1.0.tar.gz" | cut -d' ' -f1)
sed "s/@SHA256@/$sha/" "$work/proj/recipes/clib/meta.yaml.in" >"$work/proj/recipes/clib/meta.yaml"
rm "$work/proj/recipes/clib/meta.yaml.in"
(cd "$root/tests/build/aclib-src" && tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$work/mirror/aclib-1.0.tar.gz" aclib-1.0)
asha=$(sha256sum "$work/mirror/aclib-1.0.tar.gz" | cut -d' ' -f1)
sed "s/@SHA256@/$asha/" "$work/proj/recipes/aclib/meta.yaml.in" >"$work/proj/recipes/aclib/meta.yaml"
rm "$work/proj/recipes/aclib/meta.yaml.in"
"$root/ci/serve-mirror" "$work/mirror" 0 "$work/port" >"$work/mirror.log" 2>&1 &
mirror_pid=$!
bad_pid=
trap 'kill $mirror_pid $bad_pid 2>/dev/null; store_stop' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
mirror="http://127.0.0.1:$(cat "$work/port")"
store_start "$work/nginx" || exit 1
store=$work/nginx/store
sel=cext,purepkg
cd "$work/proj"

# machine NAME [kiln options...]: a build with its own cache and dist/
machine() {
	local name=$1; shift
	# one cross environment for all machines keeps the suite fast; the keys name it by id
	if [ -d "$work/a/cache/crossenv" ] && [ ! -e "$work/$name/cache/crossenv" ]; then
		mkdir -p "$work/$name/cache"
		ln -s "$work/a/cache/crossenv" "$work/$name/cache/crossenv"
	fi
	KILN_CACHE="$work/$name/cache" "$kiln" build-recipes --mirror "$mirror" \
		--dist "$work/$name/dist" "$@" "$sel" 2>&1
}
warnings() { grep -c "remote cache .*going on without it" <<<"$1"; }
objects() { find "$store" -type f | wc -l; }
same_dist() { diff -r "$work/$1/dist" "$work/$2/dist" >/dev/null; }
same_dist() { diff -r -x .kiln-manifest -x .kiln.lock "$work/$1/dist" "$work/$2/dist"; }

# two machines: the first builds and uploads, the second builds nothing
out=$(machine a --explain --remote-cache "$store_url/")
status=$?
check "machine a builds and uploads everything" \
	'[ $status = 0 ] && grep -q "4 packages: 4 built, 0 up to date, 0 failed, 0 skipped; remote cache: 0 hits, 4 uploaded in [0-9.]*s (" <<<"$out"' "$out"
check "--explain says built (why) and uploaded" \
	'grep -q "^cext: never built$" <<<"$out" && grep -q "^cext: uploaded ($store_url)$" <<<"$out"' "$out"
rec=$(grep -lx "kiln-durations 1" "$store"/ac/* | head -n1)
check "the store holds a manifest and an object per package, the source, and the durations" \
	'[ "$(ls "$store/ac" | wc -l)" = 5 ] && [ "$(ls "$store/cas" | wc -l)" = 6 ] && [ -n "$rec" ]'
check "the durations record has the 4 built packages, sorted" \
	'[ "$(tail -n +2 "$rec" | cut -d" " -f1 | tr "\n" " ")" = "aclib cext clib purepkg " ]' "$(cat "$rec" 2>&1)"
out=$(KILN_REMOTE_CACHE="$store_url" machine b --explain)
status=$?
check "machine b (\$KILN_REMOTE_CACHE) builds nothing" \
	'[ $status = 0 ] && grep -q "4 packages: 0 built, 4 up to date, 0 failed, 0 skipped; remote cache: 4 hits, 0 uploaded" <<<"$out"' "$out"
check "--explain says remote hit" 'grep -q "^cext: remote hit ($store_url)$" <<<"$out"' "$out"
check "machine b's dist/ is machine a's, byte for byte" 'same_dist a b' "$(same_dist a b 2>&1)"
out=$(machine b --explain --remote-cache "$store_url")
check "a second run of machine b is local hits" 'grep -q "^cext: local hit$" <<<"$out" && grep -q "0 hits, 0 uploaded" <<<"$out"' "$out"

# kiln build of an sdist through the store: built and uploaded once, a hit elsewhere
(cd "$root/tests/oot/src" && tar --sort=name --mtime=@0 --owner=0 --group=0 -czf "$work/kiln-oot-0.2.0.tar.gz" kiln-oot)
# oot NAME [kiln build options...]: kiln build of the sdist with its own cache and outdir
oot() {
	local name=$1; shift
	mkdir -p "$work/$name/cache"
	[ -e "$work/$name/cache/crossenv" ] || ln -s "$work/a/cache/crossenv" "$work/$name/cache/crossenv"
	KILN_CACHE="$work/$name/cache" "$kiln" build --outdir "$work/$name/dist" "$@" "$work/kiln-oot-0.2.0.tar.gz" 2>&1
}
ootwhl=kiln_oot-0.2.0-cp311-cp311-emscripten_3_1_46_wasm32.whl
out=$(oot oa --remote-cache "$store_url")
status=$?
check "kiln build: an sdist built and uploaded" \
	'[ $status = 0 ] && grep -q "^building " <<<"$out" && grep -q "^kiln-oot-0.2.0.tar.gz: uploaded ($store_url)$" <<<"$out" && [ -f "$work/oa/dist/$ootwhl" ]' "$out"
out=$(KILN_REMOTE_CACHE="$store_url" oot ob)
status=$?
check "kiln build (\$KILN_REMOTE_CACHE) on a fresh machine: a remote hit, nothing built" \
	'[ $status = 0 ] && grep -q "^kiln-oot-0.2.0.tar.gz: remote hit ($store_url)$" <<<"$out" && ! grep -q "^building " <<<"$out" && grep -qx "$work/ob/dist/$ootwhl" <<<"$out"' "$out"
check "... the same wheel, byte for byte" 'cmp "$work/oa/dist/$ootwhl" "$work/ob/dist/$ootwhl"'
out=$(oot ob --remote-cache "$store_url")
check "... then a local hit" 'grep -q "^kiln-oot-0.2.0.tar.gz: local hit" <<<"$out"' "$out"
out=$(oot oc --remote-cache "$store_url" --exports requested)
check "kiln build with other options is another key: built" \
	'[ $? = 0 ] && grep -q "^building " <<<"$out" && grep -q "uploaded" <<<"$out"' "$out"
out=$(oot od --remote-cache "$store_url" --remote-cache-mode read --exports whole_archive)
check "kiln build in read-only mode uploads nothing" \
	'[ $? = 0 ] && grep -q "^building " <<<"$out" && ! grep -q "uploaded" <<<"$out"' "$out"
out=$(oot oe --remote-cache "http://127.0.0.1:$(store_free_port)")
check "kiln build with a dead store: one warning, built" \
	'[ $? = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "^building " <<<"$out"' "$out"
check "kiln build refuses credentials on the command line" \
	'oot ox --remote-cache "http://u:p@127.0.0.1:1" >/dev/null; [ $? = 2 ]'

# a damaged object: reported, deleted, built locally, uploaded again
pure_key=$(head -n1 "$work/a/cache/builds/purepkg/last")
pure_obj=$(sed -n 's/^sha256 //p' "$store/ac/$pure_key")
printf 'garbage' | dd of="$store/cas/$pure_obj" bs=1 seek=100 conv=notrunc 2>/dev/null
out=$(machine c --remote-cache "$store_url")
status=$?
check "a damaged object is reported and ignored" \
	'[ $status = 0 ] && grep -q "remote cache $store_url: cas/$pure_obj of purepkg has sha256 [0-9a-f]*: a damaged object, ignored and deleted" <<<"$out"' "$out"
check "only the damaged package is built, and uploaded again" \
	'grep -q "4 packages: 1 built, 3 up to date, 0 failed, 0 skipped; remote cache: 3 hits, 1 uploaded" <<<"$out"' "$out"
check "the damaged object is gone from the store" '[ ! -e "$store/cas/$pure_obj" ] || [ "$(sha256sum <"$store/cas/$pure_obj" | cut -d" " -f1)" = "$pure_obj" ]'
check "machine c's dist/ is machine a's" 'same_dist a c' "$(same_dist a c 2>&1)"

# a store that refuses connections, one that answers 503: one warning, a local build
out=$(SOURCE_DATE_EPOCH=1700000001 machine d --remote-cache "http://127.0.0.1:$(store_free_port)")
status=$?
check "a dead store: one warning, everything built" \
	'[ $status = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "4 packages: 4 built.*(store unavailable)" <<<"$out"' "$out"
out=$(SOURCE_DATE_EPOCH=1700000001 machine e --remote-cache "$store_url_503")
status=$?
check "a store answering 503: one warning, everything built" \
	'[ $status = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "HTTP status 503" <<<"$out" && grep -q "4 packages: 4 built" <<<"$out"' "$out"
# misbehaving stores (tests/remote/badstore.py): one that stalls, one that truncates bodies
# badstore MODE: start one; sets bad_url and bad_pid
badstore() {
	rm -f "$work/bad.port"
	/usr/bin/python3 "$here/badstore.py" "$1" "$store" "$work/bad.port" 2>>"$work/badstore.log" &
	bad_pid=$!
	for _ in $(seq 100); do [ -s "$work/bad.port" ] && break; sleep 0.1; done
	bad_url="http://127.0.0.1:$(cat "$work/bad.port")"
}
badstore stall
t0=$(date +%s)
out=$(KILN_REMOTE_CACHE_TIMEOUT=2 KILN_CACHE="$work/v/cache" "$kiln" fetch --remote-cache "$bad_url" --mirror "$mirror" "$sel" 2>&1)
status=$? t1=$(date +%s)
check "a stalling store: kiln fetch gives up on it after \$KILN_REMOTE_CACHE_TIMEOUT, one warning" \
	'[ $status = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "too slow" <<<"$out" && [ $((t1 - t0)) -lt 30 ] && [ -f "$work/v/cache/sources/$sha/clib-1.0.tar.gz" ]' "$((t1 - t0)) s: $out"
out=$(KILN_REMOTE_CACHE_TIMEOUT=2 SOURCE_DATE_EPOCH=1700000001 machine v --remote-cache "$bad_url")
status=$?
check "a stalling store: one warning, everything built" \
	'[ $status = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "4 packages: 4 built.*(store unavailable)" <<<"$out"' "$out"
kill $bad_pid; wait $bad_pid 2>/dev/null
badstore truncate
out=$(machine t --remote-cache "$bad_url")
status=$?
check "a store truncating bodies: one warning, nothing of it used, everything built" \
	'[ $status = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "GET cas/.*partial\|GET cas/.*remaining" <<<"$out" && grep -q "4 packages: 4 built.*0 hits" <<<"$out"' "$out"
check "... and the result is machine a's, byte for byte" 'same_dist a t' "$(same_dist a t 2>&1)"
kill $bad_pid; wait $bad_pid 2>/dev/null
bad_pid=
check "credentials on the command line are refused" \
	'machine x --remote-cache "http://user:secret@127.0.0.1:1" >/dev/null; [ $? = 2 ]'
out=$(KILN_CACHE="$work/x/cache" KILN_REMOTE_CACHE="http://user:secret@127.0.0.1:$(store_free_port)" "$kiln" fetch "$sel" 2>&1)
check "credentials from the environment are never shown" '! grep -q secret <<<"$out" && grep -q "remote cache http://127.0.0.1" <<<"$out"' "$out"

# read-only mode uploads nothing
n0=$(objects)
out=$(SOURCE_DATE_EPOCH=1700000002 machine f --remote-cache "$store_url" --remote-cache-mode read)
status=$?
check "read-only mode builds and uploads nothing" \
	'[ $status = 0 ] && grep -q "4 built.*0 hits, 0 uploaded" <<<"$out" && [ "$(objects)" = "$n0" ]' "$out"

# two machines uploading the same keys at once; a third reads complete objects
SOURCE_DATE_EPOCH=1700000003 machine g --remote-cache "$store_url" >"$work/g.out" &
g=$!
SOURCE_DATE_EPOCH=1700000003 machine h --remote-cache "$store_url" >"$work/h.out" &
h=$!
wait $g; sg=$?
wait $h; sh=$?
check "two concurrent uploaders both succeed" '[ $sg = 0 ] && [ $sh = 0 ] && ! grep -q "going on without it" "$work/g.out" "$work/h.out"' "$(cat "$work/g.out" "$work/h.out")"
out=$(SOURCE_DATE_EPOCH=1700000003 machine i --remote-cache "$store_url")
check "after them a fresh machine gets verified hits only" \
	'grep -q "4 packages: 0 built, 4 up to date.*4 hits" <<<"$out" && ! grep -q "damaged" <<<"$out"' "$out"
check "its dist/ is the uploaders'" 'same_dist g i' "$(same_dist g i 2>&1)"

# the store killed during a build
SOURCE_DATE_EPOCH=1700000004 machine j --remote-cache "$store_url" >"$work/j.out" &
j=$!
for _ in $(seq 600); do [ -e "$work/j/cache/work/clib/build.log" ] && break; sleep 0.1; done
store_stop
wait $j; sj=$?
out=$(cat "$work/j.out")
check "a store killed during the build: one warning, the build succeeds" \
	'[ $sj = 0 ] && [ "$(warnings "$out")" = 1 ] && grep -q "4 packages: 4 built" <<<"$out"' "$out"
check "its dist/ is a single machine's" '[ "$(ls "$work/j/dist"/*.whl | wc -l)" = 2 ]'
store_start "$work/nginx" || exit 1

# sources through the store: a fresh machine without the mirror
out=$(KILN_CACHE="$work/k/cache" "$kiln" fetch --remote-cache "$store_url" --mirror "http://127.0.0.1:$(store_free_port)" --no-index "$sel" 2>&1)
status=$?
check "kiln fetch takes a source from the store, verified" '[ $status = 0 ] && [ -f "$work/k/cache/sources/$sha/clib-1.0.tar.gz" ]' "$out"

# shards balanced by the store's record of durations, on runners without local records
# shard NAME I/N: the wheels in its dist/, by project
shardwheels() { machine "$1" --remote-cache "$store_url" --shard "$2" >"$work/$1.out"; ls "$work/$1/dist" | grep '\.whl$' | cut -d- -f1 | tr '\n' ' '; }
printf 'kiln-durations 1\naclib 1\ncext 1\nclib 1\npurepkg 100\n' >"$rec"
w1=$(shardwheels r1 1/2) w2=$(shardwheels r2 2/2)
check "fresh shard runners balance by the store's record (purepkg the longest)" \
	'[ "$w1" = "purepkg " ] && [ "$w2" = "cext " ] && grep -q "0 local, 4 from the store, 0 estimated" "$work/r1.out"' "1/2: $w1 2/2: $w2 $(cat "$work/r1.out")"
printf 'kiln-durations 1\naclib 1\ncext 100\nclib 1\npurepkg 1\n' >"$rec"
w3=$(shardwheels r3 1/2) w4=$(shardwheels r4 2/2)
check "... and another record gives another split (cext the longest)" \
	'[ "$w3" = "cext " ] && [ "$w4" = "purepkg " ]' "1/2: $w3 2/2: $w4"
check "shard runs only read the record" 'grep -q "^cext 100$" "$rec" && grep -q "^purepkg 1$" "$rec"' "$(cat "$rec")"
printf 'kiln-durations 1\nnot a record\n' >"$rec"
out=$(machine r5 --remote-cache "$store_url" --shard 1/2)
check "a damaged record: reported, estimates used" \
	'[ $? = 0 ] && grep -q "is no record of durations, ignored" <<<"$out" && grep -q "0 local, 0 from the store, 4 estimated" <<<"$out"' "$out"

# shards: 1/2 and 2/2 through the store, merged, are the full build
export SOURCE_DATE_EPOCH=1700000005
out1=$(machine s1 --remote-cache "$store_url" --shard 1/2)
st1=$?
out2=$(machine s2 --remote-cache "$store_url" --shard 2/2)
st2=$?
check "both shards succeed" '[ $st1 = 0 ] && [ $st2 = 0 ] && grep -q "^shard 1/2: 4 packages" <<<"$out1" && grep -q "^shard 2/2: 4 packages" <<<"$out2"' "$out1
$out2"
out=$(machine full)
check "the full build, alone" '[ $? = 0 ]' "$out"
n1=$(ls "$work/s1/dist"/*.whl 2>/dev/null | wc -l) n2=$(ls "$work/s2/dist"/*.whl 2>/dev/null | wc -l)
check "each package is in exactly one shard" '[ $((n1 + n2)) = 2 ] && [ -z "$(comm -12 <(ls "$work/s1/dist") <(ls "$work/s2/dist") | grep -v pyodide-lock.json)" ]' "s1: $(ls "$work/s1/dist") s2: $(ls "$work/s2/dist")"
out=$("$kiln" lockfile merge --dist "$work/merged/dist" "$work/s1/dist" "$work/s2/dist" 2>&1)
check "kiln lockfile merge joins the shards" '[ $? = 0 ]' "$out"
check "the union of the shards is the full build, byte for byte" \
	'diff <(cd "$work/merged/dist" && ls | grep -v "^\.") <(cd "$work/full/dist" && ls | grep -v "^\.") && for f in "$work/full/dist"/*.whl; do cmp "$f" "$work/merged/dist/${f##*/}" || exit 1; done' "$(ls "$work/merged/dist" "$work/full/dist")"
check "the merged lockfile is the full build's" '/usr/bin/python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a==b" "$work/merged/dist/pyodide-lock.json" "$work/full/dist/pyodide-lock.json"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

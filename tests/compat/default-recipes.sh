#!/usr/bin/env bash
# End-to-end proof of the ABI compat layer on real default recipes: builds brotli (C++
# extension), msgpack (C from Cython) and lxml (libxml2/libxslt: time and stat) with a fresh
# cache, requires the ABI check to pass, then loads the wheels through the lockfile in the real
# Pyodide runtime under node and checks they work, including lxml's use of time/stat against
# Python's own time.time()/os.stat in the same runtime.
#
#   tests/compat/default-recipes.sh KILN MIRROR_DIR WORK_DIR
#
# MIRROR_DIR holds the recipes' sources (ci/fill-mirror); WORK_DIR is created (its cache/ is
# reused when present: remove it for a fresh build). Takes ~10-15 minutes on 2 cores.
set -u
kiln=$(realpath "$1")
mirror=$(realpath "$2")
work=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$work" && work=$(realpath "$work")
export KILN_CACHE=$work/cache
unset KILN_CROSSENV KILN_EXPORTS KILN_LDFLAGS
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

cd "$work" || exit 1
rm -rf dist index
if "$kiln" build-recipes --recipes "$root/recipes" --mirror "$mirror" --dist "$work/dist" \
	-k brotli msgpack lxml >build.out 2>&1; then
	ok "build-recipes brotli msgpack lxml (the ABI check included)"
else
	bad "build-recipes failed:"
	tail -30 build.out
	echo "$pass passed, $fail failed"
	exit 1
fi
if "$kiln" abi-check dist/*.whl >abi.out 2>&1; then ok "abi-check of every wheel: no finding"
else bad "abi-check:"; cat abi.out; fi

# the time64 layer's imports, as the kiln.time64 sections of lxml's modules list them
t64=$(/usr/bin/python3 - dist/lxml-*.whl <<'PY'
import sys, zipfile
def leb(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 0x80: return r, i
names = set()
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if not n.endswith(".so"): continue
    b = z.read(n); i = 8
    while i < len(b):
        sid = b[i]; size, j = leb(b, i + 1); end = j + size
        if sid == 0:
            l, k = leb(b, j)
            if b[k:k + l] == b"kiln.time64":
                names |= {x.decode() for x in b[k + l:end].split(b"\0") if x}
        i = end
print(" ".join(sorted(names)))
PY
)
if [[ " $t64 " == *" time "* && " $t64 " == *" stat "* && " $t64 " == *" gmtime_r "* ]]
then ok "lxml's modules call time, stat, gmtime_r... through the time64 layer: $t64"
else bad "lxml's kiln.time64 imports: '$t64'"; fi

pyodide=$("$kiln" crossenv show --get pyodide_dir)
mkdir -p index && cp -r "$pyodide"/. index/ && cp dist/*.whl dist/pyodide-lock.json index/
code=$(cat <<'PY'
import os, time, json
import brotli, msgpack, lxml.etree as etree
r = {}
data = b"x" * 1000
r["brotli"] = brotli.decompress(brotli.compress(data)) == data
big = bytes(range(256)) * 400
r["brotli big"] = brotli.decompress(brotli.compress(big, quality=11)) == big
obj = {"a": [1, 2.5, None, True, "text", b"bytes"], "n": -(2**40), "nested": {"k": [1] * 100}}
r["msgpack"] = msgpack.unpackb(msgpack.packb(obj), raw=False) == obj
r["msgpack uses its compiled extension"] = msgpack.Packer.__module__ == "msgpack._cmsgpack"
root = etree.fromstring("<a><b>t</b></a>")
r["lxml"] = root.find("b").text == "t"
xslt = etree.XSLT(etree.fromstring(
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    '<xsl:template match="/"><out><xsl:value-of select="count(//b)"/>:'
    '<xsl:value-of select="//b"/></out></xsl:template></xsl:stylesheet>'))
r["xslt"] = str(xslt(root)).strip().endswith("<out>1:t</out>")
# time through libxslt: EXSLT date:date-time() calls time() and localtime_r/gmtime_r
dt = etree.XSLT(etree.fromstring(
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
    'xmlns:date="http://exslt.org/dates-and-times" extension-element-prefixes="date">'
    '<xsl:template match="/"><t><xsl:value-of select="date:seconds(date:date-time())"/></t>'
    '</xsl:template></xsl:stylesheet>'))
secs = float(etree.fromstring(bytes(dt(root))).text)
r["xslt date:date-time() vs time.time()"] = abs(secs - time.time()) < 5
# stat through libxml2: parsing a file it opens and stats itself
path = "/tmp/doc.xml"
text = "<doc><item>1</item><item>2</item></doc>"
with open(path, "w") as f:
    f.write(text)
tree = etree.parse(path)
r["lxml parse file"] = [e.text for e in tree.iter("item")] == ["1", "2"]
r["lxml parse of a directory fails"] = False
try:
    etree.parse("/tmp")
except (OSError, etree.XMLSyntaxError):
    r["lxml parse of a directory fails"] = True
json.dumps(r)
PY
)
if node "$root/tests/pyodide/run.mjs" --index index --package brotli --package msgpack \
	--package lxml --code "$code" >run.out 2>&1; then
	res=$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
r = json.loads(d["code"][-1]["result"])
print("\n".join(("ok   " if v else "FAIL ") + k for k, v in r.items()))' run.out)
	echo "$res"
	pass=$((pass + $(grep -c '^ok' <<<"$res"))) fail=$((fail + $(grep -c '^FAIL' <<<"$res")))
else
	bad "Pyodide run:"
	tail -c 3000 run.out
fi
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]

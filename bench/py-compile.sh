#!/usr/bin/env bash
# What `kiln py-compile` buys: jinja2, markupsafe, toolz and cloudpickle built from their
# recipes, then the dist dir py-compiled; the wheel sizes before and after, and the time
# Pyodide (under node) takes to load the four packages and import them, from .py and
# from .pyc, over several alternating runs (a fresh node process each). Release build.
# Usage: bench/py-compile.sh MIRROR [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
	echo "usage: bench/py-compile.sh MIRROR [RUNS]" >&2
	exit 2
fi
mirror=$(realpath "$1")
runs=${2:-7}
build=$root/build-release
if [ ! -e "$build/build.ninja" ]; then
	meson setup "$build" "$root" --buildtype=release >/dev/null
fi
ninja -C "$build" buildsys/kiln >/dev/null
kiln=$build/buildsys/kiln
runtime=${KILN_PYODIDE:-$root/crossenv/node_modules/pyodide-0.25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE=${KILN_CACHE:-$root/cache}
pkgs=(jinja2 markupsafe toolz cloudpickle)

(cd "$root" && "$kiln" build-recipes --mirror "$mirror" --dist "$tmp/py" "${pkgs[@]}") >&2
cp -r "$tmp/py" "$tmp/pyc"
"$kiln" py-compile "$tmp/pyc" >&2

for v in py pyc; do
	cp -r "$runtime" "$tmp/rt-$v"
	cp "$tmp/$v"/* "$tmp/rt-$v/"
done

cat >"$tmp/load.mjs" <<'JS'
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
const dir = resolve(process.argv[2]) + "/";
const pkgs = process.argv.slice(3);
const { loadPyodide } = await import(pathToFileURL(join(dir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: dir });
const t0 = performance.now();
await py.loadPackage(pkgs, { messageCallback: () => {} });
const t1 = performance.now();
py.runPython("import jinja2, markupsafe, toolz, cloudpickle, jinja2.sandbox, toolz.curried");
const t2 = performance.now();
const file = py.runPython("import jinja2; jinja2.__file__");
console.log(JSON.stringify({ load: t1 - t0, import: t2 - t1, file }));
JS

/usr/bin/python3 - "$tmp" "$runs" "${pkgs[@]}" <<'PY'
import json, os, statistics, subprocess, sys
tmp, runs, pkgs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def sizes(v):
    lock = json.load(open(os.path.join(tmp, v, "pyodide-lock.json")))
    out = {}
    for p in pkgs:
        e = lock["packages"][p]
        out[p] = (e["file_name"], os.path.getsize(os.path.join(tmp, v, e["file_name"])))
    return out

before, after = sizes("py"), sizes("pyc")
print(f"{'package':12} {'.py wheel':>10} {'.pyc wheel':>11} {'ratio':>6}")
for p in pkgs:
    b, a = before[p][1], after[p][1]
    print(f"{p:12} {b:>10} {a:>11} {a / b:6.2f}   {after[p][0]}")
tb, ta = sum(v[1] for v in before.values()), sum(v[1] for v in after.values())
print(f"{'total':12} {tb:>10} {ta:>11} {ta / tb:6.2f}")

res = {"py": [], "pyc": []}
for i in range(runs):
    for v in ("py", "pyc") if i % 2 == 0 else ("pyc", "py"):
        out = subprocess.run(["node", os.path.join(tmp, "load.mjs"), os.path.join(tmp, "rt-" + v), *pkgs],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        want = ".pyc" if v == "pyc" else ".py"
        assert r["file"].endswith(want), r
        res[v].append(r)
print(f"\nload+import in Pyodide under node, {runs} runs each (ms, median [min-max]):")
med = {}
for v in ("py", "pyc"):
    for k in ("load", "import"):
        xs = [r[k] for r in res[v]]
        print(f"  {v:4} {k:7} {statistics.median(xs):8.1f} [{min(xs):.1f}-{max(xs):.1f}]")
    tot = [r["load"] + r["import"] for r in res[v]]
    med[v] = statistics.median(tot)
    print(f"  {v:4} {'total':7} {med[v]:8.1f} [{min(tot):.1f}-{max(tot):.1f}]")
print(f"\n.pyc / .py: size {ta / tb:.2f}, load+import time {med['pyc'] / med['py']:.2f} (medians)")
PY

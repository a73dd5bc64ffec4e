#!/usr/bin/env bash
# Time `kiln check` on ~300 generated realistic recipes against the floor of a
# Python tool: /usr/bin/python3 with PyYAML's C loader only parsing the same
# files. Release build, best of several runs, in the same run. Reports wall
# time and CPU time (user + system, which a busy machine disturbs less).
# Usage: bench/check.sh [N-RECIPES] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-300}
runs=${2:-20}
build=$root/build-release
if [ ! -e "$build/build.ninja" ]; then
	meson setup "$build" "$root" --buildtype=release >/dev/null
fi
ninja -C "$build" buildsys/kiln >/dev/null
kiln=$build/buildsys/kiln
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$root/bench/gen-recipes.py" "$tmp/recipes" "$n"
# kiln must find no problem, or we would be timing the error path
"$kiln" check "$tmp/recipes" | tail -1
cat >"$tmp/parse.py" <<'PY'
import glob, sys, yaml
for f in sorted(glob.glob(sys.argv[1] + "/*/meta.yaml")):
    with open(f) as fh:
        yaml.load(fh, Loader=yaml.CSafeLoader)
PY
/usr/bin/python3 - "$kiln" "$tmp" "$runs" <<'PY'
import glob, os, resource, subprocess, sys, time, yaml
kiln, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
recipes = tmp + "/recipes"
files = sorted(glob.glob(recipes + "/*/meta.yaml"))
size = sum(os.path.getsize(f) for f in files)

def best(cmd):
    wall = cpu = float("inf")
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = min(wall, t1 - t0)
        cpu = min(cpu, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return wall * 1e3, cpu * 1e3

def parse_loop():
    b = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        for f in files:
            with open(f) as fh:
                yaml.load(fh, Loader=yaml.CSafeLoader)
        b = min(b, time.perf_counter() - t)
    return b * 1e3

k = best([kiln, "check", recipes])
kn = best([kiln, "check", "--no-graph", recipes])
p = best(["/usr/bin/python3", tmp + "/parse.py", recipes])
loop = parse_loop()
print(f"corpus: {len(files)} recipes, {size} bytes of meta.yaml; best of {runs} runs; "
      f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
print(f"{'':40s} {'wall':>9s} {'cpu':>9s}")
print(f"{'kiln check (every rule)':40s} {k[0]:7.2f}ms {k[1]:7.2f}ms")
print(f"{'kiln check --no-graph':40s} {kn[0]:7.2f}ms {kn[1]:7.2f}ms")
print(f"{'python3 + PyYAML CSafeLoader (process)':40s} {p[0]:7.2f}ms {p[1]:7.2f}ms")
print(f"{'PyYAML CSafeLoader parse loop only':40s} {loop:7.2f}ms")
print(f"ratio (python process / kiln check): wall {p[0] / k[0]:.1f}x, cpu {p[1] / k[1]:.1f}x; "
      f"parse loop alone / kiln wall {loop / k[0]:.1f}x")
PY

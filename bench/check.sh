#!/usr/bin/env bash
# Time `kiln check` on ~300 generated realistic recipes against the floor of a
# Python tool: /usr/bin/python3 with PyYAML's C loader only parsing the same
# files. Release build; the three commands run interleaved, RUNS times each.
# Reports the best and median wall time and the best CPU time (user + system,
# which a busy machine disturbs less), then instruction counts (callgrind, if
# valgrind is installed; KILN_BENCH_CALLGRIND=0 skips it), which do not
# depend on the machine at all. kiln reads the recipes on as many threads as
# there are CPUs (up to 8), so its wall time is below its CPU time.
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
import glob, os, resource, statistics, subprocess, sys, time, yaml
kiln, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
recipes = tmp + "/recipes"
files = sorted(glob.glob(recipes + "/*/meta.yaml"))
size = sum(os.path.getsize(f) for f in files)

def parse_loop():
    b = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        for f in files:
            with open(f) as fh:
                yaml.load(fh, Loader=yaml.CSafeLoader)
        b = min(b, time.perf_counter() - t)
    return b * 1e3

# interleaved, so that a busy moment of the machine hits all three alike
cmds = [[kiln, "check", recipes], [kiln, "check", "--no-graph", recipes],
        ["/usr/bin/python3", tmp + "/parse.py", recipes]]
res = [([], []) for _ in cmds]
for _ in range(runs):
    for (w, c), cmd in zip(res, cmds):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        w.append((t1 - t0) * 1e3)
        c.append(((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1e3)
loop = parse_loop()
print(f"corpus: {len(files)} recipes, {size} bytes of meta.yaml; {runs} interleaved runs; "
      f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
print(f"{'':40s} {'best wall':>10s} {'median':>9s} {'best cpu':>9s}")
names = ["kiln check (every rule)", "kiln check --no-graph", "python3 + PyYAML CSafeLoader (process)"]
st = []
for name, (w, c) in zip(names, res):
    st.append((min(w), statistics.median(w), min(c)))
    print(f"{name:40s} {st[-1][0]:8.2f}ms {st[-1][1]:7.2f}ms {st[-1][2]:7.2f}ms")
print(f"{'PyYAML CSafeLoader parse loop only':40s} {loop:8.2f}ms")
k, p = st[0], st[2]
print(f"ratio (python process / kiln check): best wall {p[0] / k[0]:.1f}x, median wall "
      f"{p[1] / k[1]:.1f}x, best cpu {p[2] / k[2]:.1f}x; parse loop alone / kiln best wall "
      f"{loop / k[0]:.1f}x")
PY
# Instructions (callgrind) do not depend on the load of the machine
if command -v valgrind >/dev/null && [ "${KILN_BENCH_CALLGRIND:-1}" = 1 ]; then
	count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'; }
	ki=$(count "$kiln" check "$tmp/recipes")
	pi=$(count /usr/bin/python3 "$tmp/parse.py" "$tmp/recipes")
	awk -v k="$ki" -v p="$pi" 'BEGIN { printf "instructions (callgrind): kiln check %.1f M, python %.1f M, ratio %.1fx\n", k / 1e6, p / 1e6, p / k }'
fi

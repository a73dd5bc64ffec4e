#!/usr/bin/env bash
# The corpus benchmark: upstream recipes as they are, and PyPI's most downloaded projects
# with compiled code, built by kiln and imported in Pyodide.
#
# usage: bench/corpus.sh recipes DIR [OPTIONS] [NAME...]
#        bench/corpus.sh pypi [OPTIONS] [NAME...]
#
#   recipes DIR  DIR is a checkout of upstream recipes (pyodide-recipes, or Pyodide's
#                packages/; DIR/packages is used when it exists). `kiln build-recipes -k`
#                builds the selection (default: every recipe that is neither disabled nor
#                Rust), then `kiln test` imports every built package.
#   pypi         `kiln build NAME==VER --sha256 S` for each line of
#                bench/corpus/pypi-top100.tsv (or --list FILE), the wheels added to one
#                lockfile, then `kiln test` imports each in Pyodide.
# options:
#   --target T     the Pyodide runtime (default $KILN_TARGET, else 0.25)
#   --timeout S    per package build step (default 900)
#   --first N      only the first N recipes (sorted by name) or list lines
#   --list FILE    (pypi) the list to build (default bench/corpus/pypi-top100.tsv)
#   --work DIR     keep records, logs, dist/ there (default: a new temporary directory)
#   --out FILE     also write the markdown table to FILE
# Rust recipes and projects (no Rust toolchain in kiln's cross environment), disabled
# recipes, and sources that no mirror, index or URL gives are counted apart.
# kiln is $KILN (default build/buildsys/kiln), the cache $KILN_CACHE (default ./cache).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report=(/usr/bin/python3 "$root/bench/corpus/report.py")
usage() { sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 1 ] || usage
mode=$1
shift
dir=
if [ "$mode" = recipes ]; then
	[ $# -ge 1 ] || usage
	dir=$(realpath "$1")
	shift
	[ -d "$dir/packages" ] && dir=$dir/packages
elif [ "$mode" != pypi ]; then
	usage
fi
target=${KILN_TARGET:-0.25} timeout=900 first= list=$root/bench/corpus/pypi-top100.tsv
work= out= names=()
while [ $# -gt 0 ]; do
	case $1 in
	--target) target=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--first) first=$2; shift 2 ;;
	--list) list=$(realpath "$2"); shift 2 ;;
	--work) work=$2; shift 2 ;;
	--out) out=$(realpath -m "$2"); shift 2 ;;
	-h|--help) usage ;;
	-*) echo "corpus.sh: unknown option $1" >&2; usage ;;
	*) names+=("$1"); shift ;;
	esac
done
kiln=$(realpath "${KILN:-$root/build/buildsys/kiln}")
export KILN_CACHE=$(realpath -m "${KILN_CACHE:-$root/cache}")
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-corpus.XXXXXX")
mkdir -p "$work"
work=$(realpath "$work")
: >"$work/packages.tsv"
t0=$(date +%s)
"$kiln" crossenv setup --target "$target" >"$work/crossenv.log" 2>&1 ||
	{ echo "corpus.sh: crossenv setup failed (see $work/crossenv.log)" >&2; exit 1; }

# record NAME KIND STATUS REASON
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4//$'\n'/ }" >>"$work/packages.tsv"; }

run_recipes() {
	"${report[@]}" recipes "$dir" >"$work/recipes.tsv"
	local sel=() name kind cls src
	while IFS=$'\t' read -r name kind cls src; do
		if [ ${#names[@]} -gt 0 ]; then
			printf '%s\n' "${names[@]}" | grep -qxF "$name" || continue
		fi
		case $cls in
		rust) record "$name" "$kind" rust "needs rustup (no Rust toolchain)" ;;
		disabled) record "$name" "$kind" disabled "package._disabled" ;;
		*) sel+=("$name") ;;
		esac
	done <"$work/recipes.tsv"
	[ -z "$first" ] || sel=("${sel[@]:0:$first}")
	echo "building ${#sel[@]} recipes from $dir (target $target, timeout ${timeout}s)" >&2
	"$kiln" build-recipes -k --recipes "$dir" --dist "$work/dist" --target "$target" \
		--timeout "$timeout" --log-style json "${sel[@]}" >"$work/build.jsonl" 2>"$work/build.err" || true
	# every package the run finished (dependencies pulled in too), then what never started
	/usr/bin/python3 - "$work" "$dir" "${sel[@]}" <<'EOF' >>"$work/packages.tsv"
import json, os, re, subprocess, sys
work, pkgdir, sel = sys.argv[1], sys.argv[2], sys.argv[3:]
def norm(n):
	return re.sub(r"[-_.]+", "-", n).lower()
rows = [l.split("\t") for l in open(os.path.join(work, "recipes.tsv")).read().splitlines()]
kinds = {norm(r[0]): r[1] for r in rows}
srcs = {norm(r[0]): r[3] for r in rows}
done = {}
for ln in open(os.path.join(work, "build.jsonl")):
	try:
		e = json.loads(ln)
	except json.JSONDecodeError:
		continue
	if e.get("event") == "finished":
		done[norm(e["package"])] = dict(e, name=e["package"])
err = open(os.path.join(work, "build.err")).read()
try:
	with open(os.path.join(work, "dist", "pyodide-lock.json")) as f:
		locked = {norm(n) for n, p in json.load(f)["packages"].items()
			  if os.path.isfile(os.path.join(work, "dist", p["file_name"]))}
except OSError:
	locked = set()
def one_line(text):
	r = subprocess.run([sys.executable, os.environ["REPORT_PY"], "one-line"], input=text,
			   capture_output=True, text=True)
	return r.stdout.strip()
for key in list(done) + [norm(n) for n in sel if norm(n) not in done]:
	kind = kinds.get(key, "package")
	e = done.get(key)
	name = e["name"] if e else next(n for n in sel if norm(n) == key)
	if e is None and key in locked:
		print(f"{name}\t{kind}\tbuilt\t")  # up to date: no event, in the lockfile
	elif e is None:
		m = re.search(r"cannot (?:find|fetch)[^\n]*" + re.escape(name) + r"[^\n]*(\n  .*)*", err)
		if m:
			print(f"{name}\t{kind}\tunreachable source\t{one_line(m.group(0))}")
		else:
			print(f"{name}\t{kind}\tdependency failed\tnot built: a dependency failed or the run stopped")
	elif e.get("status") == "ok":
		print(f"{name}\t{kind}\tbuilt\t")
	else:
		reason = e.get("reason", "")
		log = e.get("detail", "")
		text = open(log, errors="replace").read() if log and os.path.isfile(log) else ""
		src = srcs.get(key, "")
		m = src and re.search(r"cannot fetch " + re.escape(src) + r" .*tried:\n((?:  .*\n?)*)", err)
		if m:
			tried = [t.strip() for t in m.group(1).splitlines() if t.strip()]
			print(f"{name}\t{kind}\tunreachable source\t{src}: {tried[-1][:140] if tried else ''}")
			continue
		status = "timeout" if "timeout" in reason or "timed out" in reason else "failed"
		if re.search(r"cannot (find|fetch)|tried:", text) and "sources" in reason:
			status = "unreachable source"
		print(f"{name}\t{kind}\t{status}\t{(reason + ': ') if reason else ''}{one_line(text)}")
EOF
	mapfile -t built < <(awk -F'\t' '$3 == "built" && $2 != "static_library" { print $1 }' "$work/packages.tsv")
	if [ ${#built[@]} -gt 0 ]; then
		"$kiln" test --recipes "$dir" --dist "$work/dist" --target "$target" --log-style json \
			"${built[@]}" >"$work/test.jsonl" 2>"$work/test.err" || true
	fi
}

run_pypi() {
	mkdir -p "$work/dist" "$work/recipes" "$work/logs"
	local n=0 rank name ver sdist sha langs rust line wheel entry rc
	local entries=()
	while IFS=$'\t' read -r rank name ver sdist sha langs rust; do
		[ "$rank" != rank ] || continue
		if [ ${#names[@]} -gt 0 ]; then
			printf '%s\n' "${names[@]}" | grep -qxiF "$name" || continue
		fi
		n=$((n + 1))
		[ -z "$first" ] || [ "$n" -le "$first" ] || break
		if [ "$rust" = yes ]; then
			record "$name" "$langs" rust "needs Rust (no Rust toolchain)"
			continue
		fi
		echo "[$n] $name==$ver" >&2
		rc=0
		wheel=$("$kiln" build --outdir "$work/dist" --target "$target" --timeout "$timeout" \
			--sha256 "$sha" "$name==$ver" 2>"$work/logs/$name.err") || rc=$?
		if [ $rc -ne 0 ] || [ -z "$wheel" ]; then
			if grep -q 'cannot find\|tried:' "$work/logs/$name.err"; then
				record "$name" "$langs" "unreachable source" "$("${report[@]}" one-line <"$work/logs/$name.err")"
			elif grep -qi 'timed out\|timeout' "$work/logs/$name.err"; then
				record "$name" "$langs" timeout "killed after ${timeout}s"
			else
				record "$name" "$langs" failed "$("${report[@]}" one-line <"$work/logs/$name.err")"
			fi
			continue
		fi
		# the sdist kiln built from is the listed one
		if [ ! -f "$KILN_CACHE/sources/$sha/$sdist" ]; then
			record "$name" "$langs" failed "built from another file than $sdist ($sha)"
			continue
		fi
		if ! "$kiln" lockfile add-wheels --dist "$work/dist" --target "$target" "$wheel" \
			>>"$work/logs/$name.err" 2>&1; then
			record "$name" "$langs" failed "lockfile add-wheels: $("${report[@]}" one-line <"$work/logs/$name.err")"
			continue
		fi
		entry=$("${report[@]}" wheel-recipe "$work/dist" "$wheel" "$work/recipes")
		entries+=("$entry")
		record "$entry" "$langs" built ""
	done <"$list"
	if [ ${#entries[@]} -gt 0 ]; then
		"$kiln" test --recipes "$work/recipes" --dist "$work/dist" --target "$target" \
			--log-style json "${entries[@]}" >"$work/test.jsonl" 2>"$work/test.err" || true
	fi
}

export REPORT_PY=$root/bench/corpus/report.py
"run_$mode"
secs=$(( $(date +%s) - t0 ))
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
title="$mode, target $target, $(date -u +%Y-%m-%d), kiln $commit, ${secs}s, timeout ${timeout}s"
[ "$mode" = pypi ] && title="$title, list $(basename "$list")${first:+, first $first}"
[ "$mode" = recipes ] && title="$title${first:+, first $first}"
"${report[@]}" table "$mode" "$work" "$title" | tee "$work/table.md"
[ -z "$out" ] || cp "$work/table.md" "$out"
echo "records, logs and dist/ are in $work" >&2

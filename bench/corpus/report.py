#!/usr/bin/python3
"""Helpers of bench/corpus.sh (not run by hand).

report.py recipes PKGDIR                  one line per recipe: name, kind (package,
                                          shared_library, static_library, cpython_module),
                                          rust|disabled|plain, the source's file name
report.py wheel-recipe DIST WHEEL RECIPES write RECIPES/<entry>/meta.yaml for a wheel that
                                          `kiln lockfile add-wheels` put in DIST's lockfile
                                          (test.imports: the wheel's top-level modules);
                                          prints the entry's name
report.py table MODE WORK TITLE           the markdown table from WORK's records
"""
import json
import os
import re
import sys
import zipfile

import yaml


def one_line(text, limit=150):
	"""The line of a log or traceback that says what went wrong: a compiler's or linker's
	error, else a Python exception, else a line that says error or failed."""
	noise = re.compile(r"^(kiln: error: (kept the build directory|the last lines of|the PEP 517 "
			   r"build failed)|ninja: build stopped|\[\d+/\d+\]|ERROR Backend subprocess|"
			   r"error: subprocess-exited|subprocess\.CalledProcessError|× |╰─>|note: )")
	lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not noise.match(ln.strip())]
	pats = (r"(^|:\d+(:\d+)?: |^[\w.-]+: )(fatal )?error: ", r"^(wasm-ld|emcc|clang|ld)\S*: error",
		r"^ERROR: |^meson\.build:\d+:\d+: ERROR", r"^[\w.]*(Error|Exception)\b:? ",
		r"\berror\b", r"^[\w.+-]+: [a-z]", r"FAILED|failed|Traceback")
	own = [ln for ln in lines if not ln.startswith("kiln:")]
	for pat in pats:
		hits = [ln for ln in own if re.search(pat, ln, re.I if pat.startswith("\\b") else 0)]
		if hits:
			hit = hits[0] if pat in (pats[0], pats[5]) else hits[-1]
			if hit.endswith(":") and own.index(hit) + 1 < len(own):
				hit += " " + own[own.index(hit) + 1]  # the list the line announces
			return hit[:limit].replace("|", "\\|")
	hits = [ln for ln in lines if re.search(r"\berror\b", ln, re.I)] or lines or ["(no output)"]
	return hits[-1][:limit].replace("|", "\\|")


def recipes(pkgdir):
	for name in sorted(os.listdir(pkgdir)):
		path = os.path.join(pkgdir, name, "meta.yaml")
		if not os.path.isfile(path):
			continue
		with open(path) as f:
			doc = yaml.safe_load(f) or {}
		pkg, req = doc.get("package") or {}, doc.get("requirements") or {}
		kind = (doc.get("build") or {}).get("type", "package")
		cls = "plain"
		if "rustup" in (req.get("executable") or []):
			cls = "rust"
		if pkg.get("_disabled"):
			cls = "disabled"
		url = (doc.get("source") or {}).get("url") or ""
		src = url.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1]
		print(f"{pkg.get('name', name)}\t{kind}\t{cls}\t{src}")


def wheel_recipe(dist, wheel, recipes_dir):
	with open(os.path.join(dist, "pyodide-lock.json")) as f:
		lock = json.load(f)
	base = os.path.basename(wheel)
	entry = next(p for p in lock["packages"].values() if p["file_name"] == base)
	tops = set()
	with zipfile.ZipFile(wheel) as z:
		for n in z.namelist():
			first = n.split("/", 1)[0]
			if first.endswith((".dist-info", ".data")):
				continue
			if "/" in n:
				if first.isidentifier():
					tops.add(first)
			elif n.endswith(".py") or n.endswith(".so"):
				tops.add(n.split(".", 1)[0])
	tops = sorted(t for t in tops if not t.startswith("_") and t not in ("tests", "test")) or \
		sorted(tops)
	d = os.path.join(recipes_dir, entry["name"])
	os.makedirs(d, exist_ok=True)
	doc = {"package": {"name": entry["name"], "version": str(entry["version"])},
	       "source": {"url": f"https://files.pythonhosted.org/{base}", "sha256": entry["sha256"]},
	       "test": {"imports": tops}}
	with open(os.path.join(d, "meta.yaml"), "w") as f:
		yaml.safe_dump(doc, f, sort_keys=False)
	print(entry["name"])


def load_jsonl(path):
	out = []
	if os.path.exists(path):
		with open(path) as f:
			for ln in f:
				ln = ln.strip()
				if ln.startswith("{"):
					try:
						out.append(json.loads(ln))
					except json.JSONDecodeError:
						pass
	return out


def norm(n):
	return re.sub(r"[-_.]+", "-", n).lower()


def table(mode, work, title):
	rows = []  # (name, kind, status, reason)
	tested = {norm(r["name"]): r for r in load_jsonl(os.path.join(work, "test.jsonl")) if "name" in r}
	with open(os.path.join(work, "packages.tsv")) as f:
		for ln in f:
			name, kind, status, reason = (ln.rstrip("\n").split("\t") + ["", "", ""])[:4]
			if status == "built":
				t = tested.get(norm(name))
				if kind in ("static_library",):
					status = "built"
				elif t is None:
					status, reason = "built, not tested", "no test result"
				elif t.get("status") == "ok":
					status = "imported"
				elif t.get("status") == "skip":
					status, reason = "built", t.get("reason", "")
				else:
					status = "built, import failed"
					reason = f"{t.get('stage', '?')}: " + one_line(t.get("error", "") or
										     t.get("output", ""))
			rows.append((name, kind, status, reason))
	count = {}
	for r in rows:
		count[r[2]] = count.get(r[2], 0) + 1
	print(f"### {title}\n")
	order = ["imported", "built", "built, import failed", "built, not tested", "failed",
		 "dependency failed", "timeout", "unreachable source", "rust", "disabled", "no sdist"]
	print("| outcome | count |\n|---|---|")
	for k in order + sorted(set(count) - set(order)):
		if k in count:
			print(f"| {k} | {count[k]} |")
	print(f"| **total** | {len(rows)} |\n")
	print("| package | kind | outcome | reason |\n|---|---|---|---|")
	for name, kind, status, reason in rows:
		print(f"| {name} | {kind} | {status} | {reason} |")


def main():
	cmd = sys.argv[1]
	if cmd == "recipes":
		recipes(sys.argv[2])
	elif cmd == "wheel-recipe":
		wheel_recipe(*sys.argv[2:5])
	elif cmd == "one-line":
		print(one_line(sys.stdin.read()))
	elif cmd == "table":
		table(*sys.argv[2:5])
	else:
		sys.exit(f"report.py: unknown command {cmd}")


if __name__ == "__main__":
	main()

#!/usr/bin/python3
"""Write bench/corpus/pypi-top100.tsv: the most downloaded PyPI projects whose sdist
carries compiled code that its build backend builds.

usage: gen-top100.py RANKING.json [--candidates FILE] [--out FILE] [--excluded FILE]
                     [--sdists DIR] [-n 100] [--index URL]

RANKING.json is hugovk/top-pypi-packages' top-pypi-packages.json (rows of
{"project", "download_count"}, most downloaded first); the rank written is the row's
position in it. Only the projects named in --candidates are asked of the index (one
JSON request and one sdist download each), in ranking order, until -n are found.

For each project: the newest final, not yanked release that has an sdist; the sdist is
downloaded (checked against the index's sha256) and its member names and build files read:
- sources: .c, .cpp/.cc/.cxx, .pyx, .f/.f90/.f77/.for, .rs with a Cargo.toml, outside
  test, doc, example and benchmark directories;
- built by the backend: maturin, or setuptools-rust, or a setup.py/setup.cfg/pyproject.toml
  (or a hatch build hook, hatch_build.py) that declares extensions (Extension(, ext_modules, cythonize, cffi_modules,
  rust_extensions, Pybind11Extension, build_ext), or a compiled-code backend (meson-python,
  scikit-build(-core), py-build-cmake, enscons) with such sources.
Projects left out are written to --excluded with the reason.
"""
import argparse
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import time
import urllib.parse
import urllib.request
import zipfile

from packaging.version import InvalidVersion, Version

EXT_LANG = {
	".c": "C", ".cpp": "C++", ".cc": "C++", ".cxx": "C++", ".c++": "C++", ".pyx": "Cython",
	".f": "Fortran", ".f90": "Fortran", ".f77": "Fortran", ".for": "Fortran", ".f95": "Fortran",
	".rs": "Rust",
}
SKIP_DIR = re.compile(r"(^|/)(tests?|testing|docs?|examples?|benchmarks?|bench|demos?)(/|$)", re.I)
DECLARES = re.compile(r"Extension\(|ext_modules|cythonize|cffi_modules|rust_extensions|"
		      r"Pybind11Extension|build_ext|RustExtension|CMakeExtension")
COMPILED_BACKENDS = ("mesonpy", "scikit_build", "py_build_cmake", "enscons", "maturin")


def get(url, tries=4):
	for i in range(tries):
		try:
			req = urllib.request.Request(url, headers={"User-Agent": "kiln-corpus-gen"})
			with urllib.request.urlopen(req, timeout=120) as r:
				return r.read()
		except urllib.error.HTTPError as e:
			if e.code == 404 or i == tries - 1:
				raise
		except OSError:
			if i == tries - 1:
				raise
		time.sleep(2 ** i)


def newest_sdist(index, name, cache):
	page = f"{index}/{name}/json"
	cached = os.path.join(cache, f"{name}.json")
	if os.path.exists(cached):
		with open(cached, "rb") as f:
			meta = json.loads(f.read())
	else:
		meta = json.loads(get(page))
		with open(cached + ".part", "w") as f:
			json.dump(meta, f)
		os.replace(cached + ".part", cached)
	best = None
	for ver, files in meta.get("releases", {}).items():
		try:
			v = Version(ver)
		except InvalidVersion:
			continue
		if v.is_prerelease or v.is_devrelease:
			continue
		sd = [f for f in files if f["packagetype"] == "sdist" and not f.get("yanked")]
		sd.sort(key=lambda f: not f["filename"].endswith(".tar.gz"))
		if sd and (best is None or v > best[0]):
			best = (v, ver, dict(sd[0], url=urllib.parse.urljoin(page, sd[0]["url"])))
	return meta["info"]["name"], best


def members(path):
	"""(names, {build file name: text}) of an sdist, names without the top directory."""
	names, texts = [], {}
	want = ("setup.py", "setup.cfg", "pyproject.toml", "hatch_build.py")

	def add(n, read):
		rel = n.split("/", 1)[1] if "/" in n else n
		names.append(rel)
		if rel in want:
			texts[rel] = read().decode("utf-8", "replace")
	if path.endswith(".zip"):
		with zipfile.ZipFile(path) as z:
			for i in z.infolist():
				if not i.is_dir():
					add(i.filename, lambda i=i: z.read(i))
	else:
		with tarfile.open(path) as t:
			for m in t:
				if m.isfile():
					add(m.name, lambda m=m: t.extractfile(m).read())
	return names, texts


def classify(names, texts):
	langs = set()
	cargo = any(n == "Cargo.toml" or n.endswith("/Cargo.toml") for n in names)
	for n in names:
		if SKIP_DIR.search(os.path.dirname(n)):
			continue
		ext = os.path.splitext(n)[1].lower()
		lang = EXT_LANG.get(ext)
		if lang == "Rust" and not cargo:
			continue
		if lang:
			langs.add(lang)
	pyproject = texts.get("pyproject.toml", "")
	m = re.search(r'build-backend\s*=\s*["\']([^"\']+)', pyproject)
	backend = m.group(1) if m else "setuptools.build_meta:__legacy__"
	build_text = "".join(texts.values())
	rust_built = cargo and ("maturin" in backend or "setuptools_rust" in build_text or
				"setuptools-rust" in build_text or "RustExtension" in build_text)
	if not rust_built:
		langs.discard("Rust")
	declared = (bool(DECLARES.search(build_text)) or rust_built or
		    any(b in backend for b in COMPILED_BACKENDS))
	if not langs:
		return None, "no compiled sources", backend
	if not declared:
		return None, f"sources ({','.join(sorted(langs))}) not built by {backend}", backend
	return sorted(langs), "Rust" in langs, backend


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("ranking")
	here = os.path.dirname(os.path.abspath(__file__))
	ap.add_argument("--candidates", default=os.path.join(here, "candidates.txt"))
	ap.add_argument("--out", default=os.path.join(here, "pypi-top100.tsv"))
	ap.add_argument("--excluded", default=os.path.join(here, "pypi-excluded.tsv"))
	ap.add_argument("--sdists", default=os.environ.get("TMPDIR", "/tmp") + "/kiln-corpus-sdists")
	ap.add_argument("-n", type=int, default=100)
	ap.add_argument("--index", default="https://pypi.org/pypi")
	a = ap.parse_args()
	with open(a.candidates) as f:
		cand = {re.sub(r"[-_.]+", "-", ln.strip().lower()) for ln in f
			if ln.strip() and not ln.startswith("#")}
	with open(a.ranking) as f:
		rows = json.load(f)["rows"]
	os.makedirs(a.sdists, exist_ok=True)
	found, excluded = [], []
	for rank, row in enumerate(rows, 1):
		if len(found) >= a.n:
			break
		key = re.sub(r"[-_.]+", "-", row["project"].lower())
		if key not in cand:
			continue
		try:
			name, best = newest_sdist(a.index, key, a.sdists)
		except Exception as e:  # noqa: BLE001 - recorded as the reason
			excluded.append((rank, key, "", f"index: {e}"))
			continue
		if best is None:
			excluded.append((rank, name, "", "no sdist in any final release"))
			continue
		_, ver, fi = best
		path = os.path.join(a.sdists, fi["filename"])
		if not os.path.exists(path) or \
		   hashlib.sha256(open(path, "rb").read()).hexdigest() != fi["digests"]["sha256"]:
			data = get(fi["url"])
			if hashlib.sha256(data).hexdigest() != fi["digests"]["sha256"]:
				excluded.append((rank, name, ver, "sha256 mismatch on download"))
				continue
			with open(path + ".part", "wb") as f:
				f.write(data)
			os.replace(path + ".part", path)
		names, texts = members(path)
		langs, rust_or_reason, backend = classify(names, texts)
		if langs is None:
			excluded.append((rank, name, ver, rust_or_reason))
			print(f"skip {rank} {name} {ver}: {rust_or_reason}", file=sys.stderr)
			continue
		found.append((rank, name, ver, fi["filename"], fi["digests"]["sha256"],
			      ",".join(langs), "yes" if rust_or_reason else "no"))
		print(f"ok   {rank} {name} {ver} {','.join(langs)} ({backend})", file=sys.stderr)
	with open(a.out, "w") as f:
		f.write("rank\tname\tversion\tsdist\tsha256\tlanguages\tneeds_rust\n")
		for r in found:
			f.write("\t".join(map(str, r)) + "\n")
	with open(a.excluded, "w") as f:
		f.write("rank\tname\tversion\treason\n")
		for r in excluded:
			f.write("\t".join(map(str, r)) + "\n")
	print(f"{len(found)} projects, {len(excluded)} excluded", file=sys.stderr)
	return 0 if len(found) >= a.n else 1


if __name__ == "__main__":
	sys.exit(main())

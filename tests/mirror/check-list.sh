#!/usr/bin/env bash
# Offline checks of the recipe set against ci/mirror.list.
# Usage: check-list.sh ROOT
#   - every recipe with a url source has exactly one mirror entry, and every
#     entry names an existing recipe;
#   - the orig file of an entry belongs to its source package and is an
#     upstream tarball (<pkg>_<version>.orig.tar.*) whose version carries the
#     recipe's version;
#   - the file names of the recipes' urls are distinct (the mirror is flat);
#   - every sha256 is 64 lowercase hex digits;
#   - an entry `NAME - index` (no Debian source at the recipe's version) has a PyPI url.
#   - the recipes use only the keys of Pyodide's schema, libraries only the
#     library build keys, and dependencies name recipes (no static library
#     as a run dependency).
# Prints one line per failed check and a closing "N checked, N failed" line.
set -u
root=$1
python=${KILN_PYTHON:-/usr/bin/python3}
exec "$python" - "$root/recipes" "$root/ci/mirror.list" <<'PY'
import os, re, sys, yaml

recipes_dir, list_path = sys.argv[1], sys.argv[2]
failed = checked = 0

def check(ok, msg):
    global failed, checked
    checked += 1
    if not ok:
        failed += 1
        print(f"FAIL: {msg}")

recipes = {}
for name in sorted(os.listdir(recipes_dir)):
    path = os.path.join(recipes_dir, name, "meta.yaml")
    if os.path.isfile(path):
        with open(path) as f:
            recipes[name] = yaml.safe_load(f)

entries = {}
with open(list_path) as f:
    for n, line in enumerate(f, 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        check(len(line) == 3, f"mirror.list:{n}: want 3 fields, got {len(line)}")
        if len(line) != 3:
            continue
        check(line[0] not in entries, f"mirror.list:{n}: second entry for {line[0]}")
        entries[line[0]] = line[1:]

names = {}
for name, meta in recipes.items():
    src = meta.get("source") or {}
    url = src.get("url")
    if not url:
        continue
    version = str(meta["package"]["version"])
    sha = src.get("sha256", "")
    check(re.fullmatch(r"[0-9a-f]{64}", str(sha)) is not None, f"{name}: sha256 {sha!r} is not 64 lowercase hex")
    file = url.split("?")[0].rsplit("/", 1)[-1]
    check(file not in names, f"{name}: url file name {file} also used by {names.get(file)}")
    names[file] = name
    check(name in entries, f"{name}: no entry in mirror.list")
    if name not in entries:
        continue
    pkg, orig = entries[name]
    if (pkg, orig) == ("-", "index"):
        check(url.startswith("https://files.pythonhosted.org/"),
              f"{name}: from the index, but its url is not on files.pythonhosted.org")
        continue
    m = re.fullmatch(re.escape(pkg) + r"_(.+)\.orig\.tar\.(gz|xz|bz2)", orig)
    check(m is not None, f"{name}: {orig} is not an orig tarball of source package {pkg}")
    if m:
        check(m.group(1).split("+")[0].startswith(version),
              f"{name}: orig version {m.group(1)} does not carry recipe version {version}")
    if url.startswith("http://deb.debian.org/"):
        check(file == orig, f"{name}: Debian url names {file}, mirror.list names {orig}")
        check(f"/{pkg}/" in url, f"{name}: Debian url is not in the pool of {pkg}")

for name in entries:
    check(name in recipes, f"mirror.list names {name}, which is no recipe")

# The recipes stay within Pyodide's schema (the keys kiln and pyodide-build accept).
keys = {
    "package": {"name", "version", "top-level", "tag", "_disabled", "pinned"},
    "source": {"url", "sha256", "path", "extract_dir", "patches", "extras"},
    "build": {"type", "script", "cross-script", "post", "cflags", "cxxflags", "ldflags",
              "backend-flags", "exports", "unvendor-tests", "_retain-test-patterns",
              "vendor-sharedlib", "cross-build-env", "cross-build-files"},
    "requirements": {"run", "host", "executable", "constraint"},
    "test": {"imports", "script"},  # test.script: kiln's one addition (docs/recipes.md)
    "about": {"home", "PyPI", "summary", "license"},
    "extra": None,
}
library_build = {"type", "script", "exports", "unvendor-tests"}
kind = {n: (m.get("build") or {}).get("type", "package") for n, m in recipes.items()}
for name, meta in recipes.items():
    for section, body in meta.items():
        check(section in keys, f"{name}: unknown section {section}")
        if keys.get(section) is not None and isinstance(body, dict):
            for k in body:
                check(k in keys[section], f"{name}: unknown key {section}.{k}")
    check(str(meta["package"]["name"]) == name, f"{name}: package.name differs from the directory")
    for patch in (meta.get("source") or {}).get("patches") or []:
        check(os.path.isfile(os.path.join(recipes_dir, name, patch)), f"{name}: patch {patch} missing")
    build = meta.get("build") or {}
    if kind[name] != "package":
        extra = set(build) - library_build
        check(not extra, f"{name}: a library takes no build keys {sorted(extra)}")
    req = meta.get("requirements") or {}
    for dep in req.get("run") or []:
        check(dep in recipes, f"{name}: run dependency {dep} is no recipe")
        check(kind.get(dep) != "static_library", f"{name}: static library {dep} as run dependency")
    for dep in req.get("host") or []:
        check(dep in recipes, f"{name}: host dependency {dep} is no recipe")

print(f"{checked} checked, {failed} failed")
sys.exit(1 if failed else 0)
PY

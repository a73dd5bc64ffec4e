#!/usr/bin/env bash
# Offline checks of the recipe set against ci/mirror.list.
# Usage: check-list.sh ROOT
#   - every recipe with a url source has exactly one mirror entry, and every
#     entry names an existing recipe;
#   - the orig file of an entry belongs to its source package and is an
#     upstream tarball (<pkg>_<version>.orig.tar.*) whose version carries the
#     recipe's version;
#   - the file names of the recipes' urls are distinct (the mirror is flat);
#   - every sha256 is 64 lowercase hex digits.
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

print(f"{checked} checked, {failed} failed")
sys.exit(1 if failed else 0)
PY

#!/usr/bin/env python3
"""Write a corpus of N realistic recipes (shapes and sizes in the proportions
of Pyodide's recipe set: ~38% prebuilt wheels, ~10% with patches, ~11%
libraries, scripts, flags, host and run dependencies) into DIR.
Usage: gen-recipes.py DIR [N]"""
import hashlib
import os
import random
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(2024)
words = ("array fast geo image stats graph text web crypt sql plot json xml time "
         "audio net math parse cache tree mesh units signal shape color vector").split()


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def script(lines):
    cmds = ["emconfigure ./configure --prefix=${WASM_LIBRARY_DIR} --disable-shared",
            "emmake make -j ${PYODIDE_JOBS:-3}", "emmake make install",
            "export CFLAGS=\"$CFLAGS -I${WASM_LIBRARY_DIR}/include\"",
            "sed -i 's/-lpthread//' setup.py", "embuilder build zlib libpng --pic",
            "# keep the build reproducible", "rm -rf build/tmp",
            "cp ${WASM_LIBRARY_DIR}/lib/libfoo.a ."]
    return "".join(f"    {rng.choice(cmds)}\n" for _ in range(lines))


names, libs, static = [], [], set()
for i in range(count):
    name = f"{rng.choice(words)}-{rng.choice(words)}{i}"
    r = rng.random()
    kind = ("wheel" if r < 0.38 else "patched" if r < 0.48 else
            "static" if r < 0.56 else "shared" if r < 0.59 else "sdist")
    version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    y = [f"package:\n  name: {name}\n  version: {version}\n"]
    if kind in ("static", "shared"):
        y.append("  tag:\n    - library\n")
    elif rng.random() < 0.7:
        y.append(f"  top-level:\n    - {name.replace('-', '_')}\n")
    y.append("source:\n")
    if kind == "wheel":
        y.append(f"  url: https://files.pythonhosted.org/packages/py3/{name[0]}/{name}/"
                 f"{name.replace('-', '_')}-{version}-py3-none-any.whl\n")
    else:
        y.append(f"  url: https://files.pythonhosted.org/packages/source/{name[0]}/{name}/"
                 f"{name}-{version}.tar.gz\n")
    y.append(f"  sha256: {sha(name)}\n")
    if kind == "patched":
        os.makedirs(os.path.join(d, "patches"), exist_ok=True)
        y.append("  patches:\n")
        for k in range(rng.randint(1, 3)):
            p = f"patches/000{k + 1}-fix-{rng.choice(words)}.patch"
            with open(os.path.join(d, p), "w") as f:
                f.write("--- a/setup.py\n+++ b/setup.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n")
            y.append(f"    - {p}\n")
    if kind in ("static", "shared"):
        y.append(f"build:\n  type: {kind}_library\n  script: |\n{script(rng.randint(4, 14))}")
    elif kind != "wheel":
        b = []
        if rng.random() < 0.4:
            b.append(f"  script: |\n{script(rng.randint(1, 6))}")
        if rng.random() < 0.3:
            b.append("  cflags: |\n    -Wno-return-type\n    -fwasm-exceptions\n")
            b.append("  ldflags: |\n    -fwasm-exceptions\n")
        if rng.random() < 0.1:
            b.append("  exports: requested\n")
        if b:
            y.append("build:\n" + "".join(b))
    host = [] if kind == "wheel" else rng.sample(libs, min(len(libs), rng.randint(0, 2)))
    run = [n for n in rng.sample(names, min(len(names), rng.randint(0, 3)))]
    if host or run:
        y.append("requirements:\n")
        if host:
            y.append("  host:\n" + "".join(f"    - {h}\n" for h in host))
        if run:
            y.append("  run:\n" + "".join(f"    - {h}\n" for h in run))
    if kind not in ("static", "shared") and rng.random() < 0.5:
        y.append(f"test:\n  imports:\n    - {name.replace('-', '_')}\n")
    y.append(f"about:\n  home: https://github.com/example/{name}\n"
             f"  PyPI: https://pypi.org/project/{name}\n"
             f"  summary: {rng.choice(words).title()} tools for {rng.choice(words)} data\n"
             f"  license: {rng.choice(['MIT', 'BSD-3-Clause', 'Apache-2.0'])}\n")
    if rng.random() < 0.3:
        y.append(f"extra:\n  recipe-maintainers:\n    - {rng.choice(words)}dev\n")
    with open(os.path.join(d, "meta.yaml"), "w") as f:
        f.write("".join(y))
    if kind in ("static", "shared"):
        libs.append(name)
        if kind == "static":
            static.add(name)
    else:
        names.append(name)

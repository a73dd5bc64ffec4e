#!/usr/bin/python3
"""The shape of buildsys/, checked from its sources (docs/internals.md):

- every module lives in a layer folder, and includes go only to its own layer or
  lower ones: base < recipe < toolchain < artifact < build < cmd (main.c on top);
- no module reaches itself through includes (a module is NAME.c + NAME.h);
- no function body is longer than MAX_LINES lines.

usage: check.py BUILDSYS_DIR
Prints each violation as file:line: message and exits 1 if there is any."""

import os
import re
import sys

LAYERS = ["base", "recipe", "toolchain", "artifact", "build", "cmd"]
MAX_LINES = 120
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def sources(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(dirpath, f), root)


def layer_of(rel):
    top = rel.split("/")[0] if "/" in rel else None
    return LAYERS.index(top) if top in LAYERS else None


def module_of(rel):
    return os.path.splitext(rel)[0]


def function_lengths(path):
    """(name, first line, length) of each function defined at file scope: a line
    that is exactly '{' after a signature that starts in column 0, up to the
    next line that is exactly '}'."""
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line != "{":
            continue
        k = i - 1
        while k > 0 and not re.match(r"[A-Za-z_]", lines[k]):
            k -= 1
        m = re.search(r"([A-Za-z_0-9]+)\s*\(", lines[k])
        if not m or lines[k].startswith(("struct ", "union ", "enum ")) and "(" not in lines[k]:
            continue
        j = i
        while j < len(lines) and lines[j] != "}":
            j += 1
        yield m.group(1), k + 1, j - k + 1


def main():
    root = sys.argv[1]
    problems = []
    edges = {}
    for rel in sources(root):
        here = layer_of(rel)
        if "/" in rel and here is None:
            problems.append(f"{rel}:1: not in a layer folder ({', '.join(LAYERS)})")
        mod = module_of(rel)
        edges.setdefault(mod, set())
        for n, line in enumerate(open(os.path.join(root, rel), encoding="utf-8"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            if not os.path.exists(os.path.join(root, inc)):
                continue  # generated (version.h) or not ours
            there = layer_of(inc)
            if here is not None and there is not None and there > here:
                problems.append(f"{rel}:{n}: {LAYERS[here]} includes {inc} of the higher "
                                f"layer {LAYERS[there]}")
            if module_of(inc) != mod:
                edges[mod].add(module_of(inc))
        if rel.endswith(".c"):
            for name, first, length in function_lengths(os.path.join(root, rel)):
                if length > MAX_LINES:
                    problems.append(f"{rel}:{first}: {name} is {length} lines (at most "
                                    f"{MAX_LINES})")

    # cycles: Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append(f"{comp[0]}:1: include circle: {' -> '.join(comp)}")

    for p in problems:
        print(p)
    nmod = len(edges)
    print(f"{nmod} modules, {sum(len(e) for e in edges.values())} module includes, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

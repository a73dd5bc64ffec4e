#!/usr/bin/python3
"""Generate buildsys/toolchain/abi_time_t.c: the libc functions whose C prototype involves
time_t, directly or through a struct or union that holds one by value.

The set is derived from the toolchain's own libc headers: every header of the
Emscripten sysroot's libc directories that compiles on its own is included in
one translation unit, emcc dumps its AST as JSON, and this script computes the
taint transitively over typedefs and records.

usage: gen-abi-time-t.py [--emcc EMCC] OUTPUT.c
"""
import json
import os
import re
import subprocess
import sys
import tempfile

LIBC_DIRS = ["", "sys", "arpa", "net", "netinet", "netpacket"]
SKIP = {"emscripten.h", "alltypes.h.in"}


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def emcc_sysroot(emcc):
    out = run([emcc, "--cflags"]).stdout.split()
    for a in out:
        if a.startswith("--sysroot="):
            return a[len("--sysroot="):]
    sys.exit("gen-abi-time-t: cannot find --sysroot in '%s --cflags'" % emcc)


def emcc_version(emcc):
    out = run([emcc, "-dumpversion"]).stdout.strip()
    return out or "unknown"


def headers(emcc, inc, tmp):
    """Headers of the libc directories that compile on their own."""
    cands = []
    for d in LIBC_DIRS:
        full = os.path.join(inc, d)
        for f in sorted(os.listdir(full)):
            if f.endswith(".h") and f not in SKIP:
                cands.append(os.path.join(d, f) if d else f)
    src = os.path.join(tmp, "all.c")
    ok = []
    # one compiler run per header is slow with emcc; try them in bulk first
    # and fall back to bisecting the failures
    def compiles(hs):
        with open(src, "w") as f:
            for h in hs:
                f.write("#include <%s>\n" % h)
        r = run([emcc, "-fsyntax-only", "-D_GNU_SOURCE", src])
        return r.returncode == 0

    def sift(hs):
        if not hs:
            return
        if compiles(hs):
            ok.extend(hs)
            return
        if len(hs) == 1:
            return
        mid = len(hs) // 2
        sift(hs[:mid])
        sift(hs[mid:])

    sift(cands)
    # headers that compile alone may still clash together: keep the largest
    # prefix-compatible set
    if compiles(ok):
        return sorted(ok)
    final = []
    for h in ok:
        if compiles(final + [h]):
            final.append(h)
    return sorted(final)


def walk(node, fn, parent=None):
    fn(node, parent)
    for c in node.get("inner", ()):
        walk(c, fn, node)


TAG = re.compile(r"\b(struct|union)\s+([A-Za-z_]\w*)")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def type_refs(qual):
    """(tags, identifiers) named by a type spelling"""
    tags = set(m.group(2) for m in TAG.finditer(qual))
    idents = set(IDENT.findall(TAG.sub(" ", qual)))
    return tags, idents


def by_value(qual):
    """is the field held by value (no pointer or function declarator)?"""
    return "*" not in qual and "(" not in qual.replace("(unnamed", "")


def analyse(ast):
    typedefs = {}   # name -> (qualType, owned record id or None)
    records = {}    # id -> dict(name, fields=[qual], nested=[ids])
    funcs = {}      # name -> qualType

    def visit(n, parent):
        k = n.get("kind")
        if k == "TypedefDecl":
            q = n.get("type", {}).get("qualType", "")
            owned = []
            def own(x, _p):
                t = x.get("ownedTagDecl") or x.get("decl")
                if t and t.get("kind") == "RecordDecl":
                    owned.append(t["id"])
            walk(n, own)
            typedefs[n["name"]] = (q, owned[0] if owned else None)
        elif k == "RecordDecl" and n.get("completeDefinition"):
            r = records.setdefault(n["id"], {"name": n.get("name"),
                                             "fields": [], "nested": []})
            for c in n.get("inner", ()):
                if c.get("kind") == "FieldDecl":
                    r["fields"].append(c.get("type", {}).get("qualType", ""))
                elif c.get("kind") == "RecordDecl":
                    r["nested"].append(c["id"])
        elif k == "FunctionDecl":
            if n.get("storageClass") == "static" or n.get("inline"):
                return
            funcs[n["name"]] = n.get("type", {}).get("qualType", "")
    walk(ast, visit)

    # a record spelled by tag may have several RecordDecl nodes; merge
    tag_ids = {}
    for rid, r in records.items():
        if r["name"]:
            tag_ids.setdefault(r["name"], []).append(rid)

    bad_types = {"time_t"}   # typedef names
    bad_tags = {}            # tag -> reason
    bad_ids = {}
    reason_of_type = {"time_t": "time_t"}
    changed = True
    while changed:
        changed = False
        for rid, r in records.items():
            if rid in bad_ids:
                continue
            why = None
            for q in r["fields"]:
                if not by_value(q):
                    continue
                tags, idents = type_refs(q)
                hit = [t for t in tags if t in bad_tags] + \
                      [i for i in idents if i in bad_types]
                if hit:
                    why = hit[0]
                    break
            if why is None:
                for nid in r["nested"]:
                    if nid in bad_ids:
                        why = "a nested record"
                        break
            if why is not None:
                bad_ids[rid] = why
                if r["name"]:
                    bad_tags[r["name"]] = why
                changed = True
        for name, (q, owned) in typedefs.items():
            if name in bad_types:
                continue
            if owned is not None and owned in bad_ids:
                bad_types.add(name)
                reason_of_type[name] = name
                changed = True
                continue
            if not by_value(q):
                continue
            tags, idents = type_refs(q)
            if any(t in bad_tags for t in tags) or \
               any(i in bad_types for i in idents):
                bad_types.add(name)
                reason_of_type[name] = name
                changed = True

    out = {}
    for name, q in funcs.items():
        tags, idents = type_refs(q)
        why = sorted(["struct " + t for t in tags if t in bad_tags] +
                     [i for i in idents if i in bad_types])
        if why:
            out[name] = ", ".join(why)
    return out


def main():
    args = sys.argv[1:]
    emcc = "emcc"
    if len(args) >= 2 and args[0] == "--emcc":
        emcc = args[1]
        args = args[2:]
    if len(args) != 1:
        sys.exit(__doc__)
    inc = os.path.join(emcc_sysroot(emcc), "include")
    with tempfile.TemporaryDirectory() as tmp:
        hs = headers(emcc, inc, tmp)
        src = os.path.join(tmp, "all.c")
        with open(src, "w") as f:
            for h in hs:
                f.write("#include <%s>\n" % h)
        r = run([emcc, "-fsyntax-only", "-D_GNU_SOURCE", "-Xclang",
                 "-ast-dump=json", src])
        if r.returncode != 0:
            sys.exit("gen-abi-time-t: emcc failed:\n" + r.stderr)
        ast = json.loads(r.stdout)
    syms = analyse(ast)
    lines = [
        "/* Generated by tools/gen-abi-time-t.py from the libc headers of emcc %s"
        % emcc_version(emcc),
        " * (%d headers). Do not edit: regenerate. Functions whose prototype" % len(hs),
        " * involves time_t directly or through a struct/union holding one. */",
        '#include "toolchain/abi.h"',
        "",
        "const struct abi_time_t_sym abi_time_t_syms[] = {",
    ]
    for name in sorted(syms):
        lines.append('\t{"%s", "%s"},' % (name, syms[name]))
    lines += ["};", "",
              "const size_t abi_time_t_nsyms = sizeof(abi_time_t_syms) / sizeof(abi_time_t_syms[0]);",
              ""]
    with open(args[0], "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()

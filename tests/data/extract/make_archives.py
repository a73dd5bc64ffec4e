"""Write the archives, patches and extras of the extract tests into a directory.

usage: make_archives.py OUTDIR OUTSIDE
OUTSIDE is a directory the hostile archives aim at with absolute names and links.
"""
import io
import os
import sys
import tarfile
import warnings
import zipfile

warnings.simplefilter("ignore")  # zipfile warns about the duplicate names made on purpose

out, outside = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

SETUP = b"from setuptools import setup\nsetup(name='pkg', version='1.0')\n"
MODC = b"int answer(void) { return 42; }\n"


def info(name, type=tarfile.REGTYPE, size=0, mode=0o644, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.size = size
    ti.mode = mode
    ti.linkname = link
    ti.mtime = 1700000000
    return ti


def tar(name, entries, mode="w", fmt=tarfile.GNU_FORMAT, **kw):
    """entries: (TarInfo, data or None)"""
    with tarfile.open(os.path.join(out, name), mode, format=fmt,
                      encoding="utf-8", errors="surrogateescape", **kw) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)


def reg(name, data, mode=0o644):
    return (info(name, size=len(data), mode=mode), data)


def zipf(name, entries):
    """entries: (name, data) or (ZipInfo, data)"""
    with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries:
            z.writestr(n, data)


def sdist_entries(top):
    return [
        (info(top + "/", tarfile.DIRTYPE, mode=0o755), None),
        reg(top + "/setup.py", SETUP),
        (info(top + "/src/", tarfile.DIRTYPE, mode=0o555), None),
        reg(top + "/src/mod.c", MODC, mode=0o444),
        reg(top + "/run.sh", b"#!/bin/sh\necho hi\n", mode=0o755),
        reg(top + "/caf\u00e9.txt", b"utf-8 name\n"),
        (info(top + "/link.py", tarfile.SYMTYPE, link="setup.py"), None),
        (info(top + "/src/up.py", tarfile.SYMTYPE, link="../setup.py"), None),
        (info(top + "/hard.c", tarfile.LNKTYPE, link=top + "/src/mod.c"), None),
    ]


# good sdists, one per compression, plus zip
tar("pkg-1.0.tar.gz", sdist_entries("pkg-1.0"), "w:gz")
# names with a ./ prefix as `tar -C dir .` writes them
tar("pkg-1.0.tar.bz2", sdist_entries("./pkg-1.0"), "w:bz2")
# a pax global header as `git archive` writes it
tar("pkg-1.0.tar.xz", sdist_entries("pkg-1.0"), "w:xz", fmt=tarfile.PAX_FORMAT,
    pax_headers={"comment": "0123456789abcdef"})
zipf("pkg-1.0.zip", [("pkg-1.0/setup.py", SETUP), ("pkg-1.0/src/mod.c", MODC),
                     ("pkg-1.0/caf\u00e9.txt", b"utf-8 name\n")])
# a top directory that is not the stem; several top directories; no top directory
tar("renamed-2.0.tar.gz", sdist_entries("Other_Name-2.0"), "w:gz")
tar("multi.tar.gz", [reg("a/x.txt", b"a"), reg("b/setup.py", SETUP)], "w:gz")
zipf("flat.zip", [("setup.py", SETUP), ("mod.c", MODC)])

# hostile tars
tar("dotdot.tar.gz", [reg("pkg/ok.txt", b"ok"), reg("pkg/../../evil.txt", b"evil")], "w:gz")
tar("dotdot-deep.tar", [reg("pkg/a/../../../../evil.txt", b"evil")])
tar("absolute.tar", [reg(os.path.join(outside, "abs.txt"), b"evil")])
tar("symlink-out.tar", [(info("pkg/out", tarfile.SYMTYPE, link="../../outside"), None)])
tar("symlink-abs.tar", [(info("pkg/out", tarfile.SYMTYPE, link=outside), None),
                        reg("pkg/out/evil.txt", b"evil")])
tar("symlink-write.tar", [(info("pkg/sub/", tarfile.DIRTYPE, mode=0o755), None),
                          (info("pkg/d", tarfile.SYMTYPE, link="sub"), None),
                          reg("pkg/d/evil.txt", b"through a symlink")])
tar("symlink-chain.tar", [(info("pkg/d/", tarfile.DIRTYPE, mode=0o755), None),
                          (info("pkg/x", tarfile.SYMTYPE, link="d/sub/../.."), None),
                          (info("pkg/d/sub", tarfile.SYMTYPE, link="../.."), None)])
tar("symlink-replace.tar", [(info("pkg/f", tarfile.SYMTYPE, link="g"), None),
                            reg("pkg/f", b"replaces the link")])
tar("hardlink-out.tar", [(info("pkg/h", tarfile.LNKTYPE, link="../../outside/secret"), None)])
tar("hardlink-abs.tar", [(info("pkg/h", tarfile.LNKTYPE, link="/etc/passwd"), None)])
tar("hardlink-missing.tar", [(info("pkg/h", tarfile.LNKTYPE, link="pkg/nothing"), None)])
tar("device.tar", [(info("pkg/null", tarfile.CHRTYPE), None)])
tar("fifo.tar", [(info("pkg/pipe", tarfile.FIFOTYPE), None)])
tar("dup.tar", [reg("pkg/a.txt", b"first"), reg("pkg/a.txt", b"second")])
tar("file-as-dir.tar", [reg("pkg/a", b"file"), reg("pkg/a/b.txt", b"under a file")])
tar("nonutf8.tar", [reg("pkg/caf\udce9.txt", b"latin-1 name")])
tar("control.tar", [reg("pkg/a\x1b[2Jb.txt", b"terminal escape in the name")])

# a header that declares a huge file, followed by a few bytes
with open(os.path.join(out, "huge.tar"), "wb") as f:
    f.write(info("pkg/huge.bin", size=10 ** 12).tobuf(tarfile.GNU_FORMAT))
    f.write(b"\0" * 1024)

# zip bombs: 300 MiB of zeros in a few hundred KiB
with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("pkg/zeros.bin", "w", force_zip64=True) as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(300):
            f.write(chunk)
with tarfile.open(os.path.join(out, "bomb.tar.gz"), "w:gz", format=tarfile.GNU_FORMAT) as t:
    class Zeros(io.RawIOBase):
        def __init__(self, n):
            self.left = n

        def readinto(self, b):
            n = min(len(b), self.left)
            b[:n] = b"\0" * n
            self.left -= n
            return n
    t.addfile(info("pkg/zeros.bin", size=8 << 20), Zeros(8 << 20))

# hostile zips
zipf("zip-dotdot.zip", [("pkg/ok.txt", b"ok"), ("../evil.txt", b"evil")])
zipf("zip-absolute.zip", [(outside + "/abs.txt", b"evil")])
zipf("zip-dup.zip", [("pkg/a.txt", b"one"), ("pkg/a.txt", b"two")])
zi = zipfile.ZipInfo("pkg/link")
zi.create_system = 3
zi.external_attr = (0o120777 << 16)
zipf("zip-symlink.zip", [(zi, "../../outside")])
zipf("zip-nonutf8.zip", [("pkg/aXb.txt", b"bytes")])
p = os.path.join(out, "zip-nonutf8.zip")
data = open(p, "rb").read().replace(b"pkg/aXb.txt", b"pkg/a\xffb.txt")
open(p, "wb").write(data)

# patches and extras for pkg-1.0
open(os.path.join(out, "good.patch"), "w").write(
    "--- a/setup.py\n+++ b/setup.py\n@@ -1,2 +1,3 @@\n from setuptools import setup\n"
    "+# patched by kiln\n setup(name='pkg', version='1.0')\n")
open(os.path.join(out, "second.patch"), "w").write(
    "--- a/src/mod.c\n+++ b/src/mod.c\n@@ -1 +1 @@\n-int answer(void) { return 42; }\n"
    "+int answer(void) { return 43; }\n")
open(os.path.join(out, "bad.patch"), "w").write(
    "--- a/setup.py\n+++ b/setup.py\n@@ -1,2 +1,2 @@\n-import distutils\n+import setuptools\n"
    " setup(name='other')\n")
open(os.path.join(out, "extra.txt"), "w").write("extra\n")

# a zip whose headers understate the unpacked size: only counting the bytes catches it
import struct
with zipfile.ZipFile(os.path.join(out, "liar.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("pkg/zeros.bin", b"\0" * (8 << 20))
p = os.path.join(out, "liar.zip")
data = bytearray(open(p, "rb").read())
local = data.find(b"PK\x03\x04")
struct.pack_into("<I", data, local + 22, 100)
central = data.find(b"PK\x01\x02")
struct.pack_into("<I", data, central + 24, 100)
open(p, "wb").write(bytes(data))

"""Independent checks of kiln's archives with Python's zipfile/tarfile/hashlib.

  check_archive.py wheel FILE [--epoch N] [--tag TAG] [--has P]... [--lacks P]... [--exec P]...
  check_archive.py tar FILE [--epoch N] [--has P]... [--lacks P]...
  check_archive.py zip FILE [--epoch N] [--has P]... [--lacks P]... [--exec P]...

A wheel must have a RECORD that lists every file with its sha256 (urlsafe base64,
no padding) and size, RECORD's own line empty; entries sorted with the .dist-info
last and RECORD last; no directory entries; every timestamp equal to the epoch
(UTC); permissions 0644 (0755 for --exec paths). Prints "ok" or the problems.
"""
import argparse
import base64
import csv
import hashlib
import io
import sys
import tarfile
import time
import zipfile


def fail(msg):
    print(msg)
    sys.exit(1)


def check_entries(a, z):
    """sorted, no directories, times at the epoch, fixed permissions"""
    infos = z.infolist()
    if any(i.filename.endswith("/") for i in infos):
        fail("directory entries present")
    if a.epoch is not None:
        want = time.gmtime(a.epoch)[:6]
        want = want[:5] + (want[5] - want[5] % 2,)
        for i in infos:
            if i.date_time != want:
                fail(f"{i.filename}: time {i.date_time}, want {want}")
    for i in infos:
        mode = (i.external_attr >> 16) & 0o7777
        want = 0o755 if i.filename in a.exec else 0o644
        if mode != want:
            fail(f"{i.filename}: mode {oct(mode)}, want {oct(want)}")
        if z.read(i) != z.read(i.filename):
            fail(f"{i.filename}: unreadable")


def check_zip(a):
    z = zipfile.ZipFile(a.file)
    names = z.namelist()
    if names != sorted(names):
        fail(f"entries not sorted: {names}")
    check_entries(a, z)
    return set(names)


def check_wheel(a):
    z = zipfile.ZipFile(a.file)
    infos = z.infolist()
    names = [i.filename for i in infos]
    dist_info = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    if len(dist_info) != 1:
        fail(f"dist-info directories: {sorted(dist_info)}")
    di = dist_info.pop()
    record = f"{di}/RECORD"
    if names[-1] != record:
        fail(f"last entry is {names[-1]}, not {record}")
    rank = [(1 if n.startswith(di + "/") else 0, n) for n in names[:-1]]
    if rank != sorted(rank):
        fail(f"entries not sorted: {names}")
    check_entries(a, z)
    rows = list(csv.reader(io.StringIO(z.read(record).decode())))
    listed = {}
    for row in rows:
        if len(row) != 3:
            fail(f"RECORD row {row}")
        listed[row[0]] = row
    if set(listed) != set(names):
        fail(f"RECORD lists {sorted(listed)}, the wheel holds {sorted(names)}")
    if listed[record][1:] != ["", ""]:
        fail(f"RECORD's own line: {listed[record]}")
    for n in names:
        if n == record:
            continue
        data = z.read(n)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if listed[n][1] != "sha256=" + digest or listed[n][2] != str(len(data)):
            fail(f"RECORD mismatch for {n}: {listed[n]}")
    if a.tag:
        wheel = z.read(f"{di}/WHEEL").decode()
        tags = [l.split(":", 1)[1].strip() for l in wheel.splitlines() if l.startswith("Tag:")]
        if tags != [a.tag]:
            fail(f"WHEEL tags {tags}, want {a.tag}")
        pure = "Root-Is-Purelib: true" in wheel
        if pure != a.tag.endswith("-none-any"):
            fail(f"Root-Is-Purelib wrong for {a.tag}: {wheel!r}")
    return set(names)


def check_tar(a):
    t = tarfile.open(a.file)
    members = t.getmembers()
    names = [m.name for m in members]
    if names != sorted(names):
        fail(f"entries not sorted: {names}")
    for m in members:
        if not m.isfile() or m.uid or m.gid or m.uname or m.gname:
            fail(f"{m.name}: type/owner {m.type} {m.uid} {m.gid} {m.uname!r} {m.gname!r}")
        if a.epoch is not None and m.mtime != a.epoch:
            fail(f"{m.name}: mtime {m.mtime}, want {a.epoch}")
    return set(names)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["wheel", "tar", "zip"])
    p.add_argument("file")
    p.add_argument("--epoch", type=int)
    p.add_argument("--tag")
    p.add_argument("--has", action="append", default=[])
    p.add_argument("--lacks", action="append", default=[])
    p.add_argument("--exec", action="append", default=[])
    a = p.parse_args()
    names = {"wheel": check_wheel, "tar": check_tar, "zip": check_zip}[a.kind](a)
    for n in a.has:
        if n not in names:
            fail(f"{n} missing; have {sorted(names)}")
    for n in a.lacks:
        if n in names:
            fail(f"{n} present")
    print("ok")


main()

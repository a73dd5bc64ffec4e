#!/usr/bin/env python3
"""Write hostile and broken libpython3.13-dev look-alikes into DIR, one .deb per case,
and DIR/cases: `NAME.deb<TAB>what the refusal must say`, one a line."""
import io
import sys
import tarfile

PATCHLEVEL = b"#define PY_MAJOR_VERSION 3\n#define PY_MINOR_VERSION 13\n"


def member(name, data):
    head = b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (name.encode(), 0, 0, 0, 0o100644, len(data))
    return head + data + (b"\n" if len(data) % 2 else b"")


def deb(path, entries, data_member="data.tar.gz"):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, value in entries:
            info = tarfile.TarInfo("./" + name)
            info.mode = 0o755 if kind == "dir" else 0o644
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "file":
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, "./" + value
                tar.addfile(info)
    with open(path, "wb") as f:
        f.write(b"!<arch>\n" + member("debian-binary", b"2.0\n"))
        if data_member:
            f.write(member(data_member, raw.getvalue()))


def good(extra):
    base = "usr/include/python3.13/"
    return [(base, "dir", None), (base + "Python.h", "file", b"/* */\n"),
            (base + "patchlevel.h", "file", PATCHLEVEL)] + extra


def main():
    out = sys.argv[1]
    inc = "usr/include/python3.13/"
    cases = {
        "symlink": (good([(inc + "evil.h", "symlink", "/etc/passwd")]),
                    "evil.h is neither a file nor a directory (refused)"),
        "hardlink": (good([(inc + "link.h", "hardlink", inc + "Python.h")]),
                     "link.h is a hard link (refused)"),
        "dotdot": (good([(inc + "../../../escaped.h", "file", b"x\n")]),
                   "unsafe entry name ./usr/include/python3.13/../../../escaped.h"),
        "dotdot-multiarch": (good([("usr/include/../python3.13/x.h", "file", b"x\n")]),
                             "unsafe entry name ./usr/include/../python3.13/x.h"),
        "two-multiarch": (good([("usr/include/a-linux-gnu/python3.13/pyconfig.h", "file", b"\n"),
                                ("usr/include/b-linux-gnu/python3.13/pyconfig.h", "file", b"\n")]),
                          "headers in both usr/include/a-linux-gnu/ and usr/include/b-linux-gnu/"),
        "no-python-h": ([(inc + "patchlevel.h", "file", PATCHLEVEL)],
                        "no usr/include/python3.13/Python.h in it"),
        "other-package": ([("usr/include/zlib.h", "file", b"\n")],
                          "no usr/include/python3.13/ in it"),
    }
    lines = []
    for name, (entries, expect) in cases.items():
        deb("%s/%s.deb" % (out, name), entries)
        lines.append("%s.deb\t%s\n" % (name, expect))
    deb("%s/no-data.deb" % out, [], data_member=None)
    lines.append("no-data.deb\tno data.tar member (not a .deb)\n")
    with open("%s/cases" % out, "w") as f:
        f.writelines(lines)


main()

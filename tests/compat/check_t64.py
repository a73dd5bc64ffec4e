# Run inside Pyodide next to the t64 extension (tests/compat/src/t64.c): every value the
# module gets from libc through kiln's time64 layer must equal what Python's own time/os
# functions report in the same runtime. The last expression is the summary.
import errno
import os
import time

import t64

checks = []


def check(name, got, want):
    if got != want:
        raise AssertionError(f"{name}: module {got!r}, Python {want!r}")
    checks.append(name)


def near(name, got, want, tol):
    if abs(got - want) > tol:
        raise AssertionError(f"{name}: module {got!r}, Python {want!r} (tolerance {tol})")
    checks.append(name)


check("sizeof(time_t), sizeof(struct stat) of the toolchain", t64.sizes(), (4, 88))

now = time.time()
t, t2 = t64.time()
check("time() result and *t", t, t2)
near("time() vs time.time()", t, now, 2)
s, ns = t64.clock_gettime(time.CLOCK_REALTIME)
near("clock_gettime(REALTIME) vs time.time()", s + ns / 1e9, time.time(), 2)
check("clock_gettime tv_nsec range", 0 <= ns < 10**9, True)
s, ns = t64.clock_gettime(time.CLOCK_MONOTONIC)
near("clock_gettime(MONOTONIC) vs time.monotonic()", s + ns / 1e9, time.monotonic(), 2)
s, ns = t64.clock_getres(time.CLOCK_REALTIME)
check("clock_getres(REALTIME) vs time.clock_getres", s + ns / 1e9,
      time.clock_getres(time.CLOCK_REALTIME))
s, us = t64.gettimeofday()
near("gettimeofday vs time.time()", s + us / 1e6, time.time(), 2)
check("gettimeofday tv_usec range", 0 <= us < 10**6, True)

# stat family against os.stat, with known times set by Python
path = "/tmp/t64-file"
with open(path, "wb") as f:
    f.write(b"x" * 12345)
os.utime(path, ns=(1_000_000_000_250_000_000, 1_234_567_890_500_000_000))
os.symlink(path, "/tmp/t64-link")


def pystat(st):
    return (st.st_dev, st.st_ino, st.st_mode, st.st_nlink, st.st_uid, st.st_gid, st.st_rdev,
            st.st_size, st.st_blksize, st.st_blocks,
            st.st_atime_ns // 10**9, st.st_atime_ns % 10**9,
            st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9,
            st.st_ctime_ns // 10**9, st.st_ctime_ns % 10**9)


want = pystat(os.stat(path))
check("stat vs os.stat", t64.stat(path), want)
# (MEMFS keeps one timestamp per file, the latest of atime and mtime)
check("stat: the seconds set", want[12], 1_234_567_890)
check("lstat(link) vs os.lstat", t64.lstat("/tmp/t64-link"), pystat(os.lstat("/tmp/t64-link")))
check("stat(link) vs os.stat", t64.stat("/tmp/t64-link"), want)
fd = os.open(path, os.O_RDONLY)
check("fstat vs os.fstat", t64.fstat(fd), pystat(os.fstat(fd)))
os.close(fd)
check("fstatat vs os.stat", t64.fstatat(path, 0), want)
AT_SYMLINK_NOFOLLOW = 0x100
check("fstatat(NOFOLLOW) vs os.lstat", t64.fstatat("/tmp/t64-link", AT_SYMLINK_NOFOLLOW),
      pystat(os.lstat("/tmp/t64-link")))
check("stat of a missing file", t64.stat("/tmp/no-such-file"), ("error", errno.ENOENT))
# a time after 2038 does not fit the module's time_t
os.utime(path, (2**31 + 100, 2**31 + 200))
check("stat beyond 2038: EOVERFLOW", t64.stat(path), ("error", errno.EOVERFLOW))

# broken-down time
for v in (0, 1_234_567_890, -1_000_000_000, 2**31 - 1, int(now)):
    g = tuple(time.gmtime(v))
    check(f"gmtime/gmtime_r({v}) vs time.gmtime", t64.gmtime(v), (g, g))
    lt = tuple(time.localtime(v))
    check(f"localtime/localtime_r({v}) vs time.localtime", t64.localtime(v), (lt, lt))
    check(f"mktime/timegm({v})", t64.mktime(g[:6])[1], v)
    check(f"mktime(localtime({v}))", t64.mktime(lt[:6])[0], int(time.mktime(time.localtime(v))))
    c = time.ctime(v) + "\n"
    check(f"ctime/ctime_r({v}) vs time.ctime", t64.ctime(v), (c, c))
check("mktime/timegm of 2100: EOVERFLOW", t64.mktime((2100, 1, 1, 0, 0, 0)),
      (("error", errno.EOVERFLOW), ("error", errno.EOVERFLOW)))
check("difftime", t64.difftime(1_234_567_890, 1_000_000_000), 234_567_890.0)

t0 = time.monotonic()
check("nanosleep(20 ms)", t64.nanosleep(20_000_000), 0)
check("nanosleep slept at least 20 ms", time.monotonic() - t0 >= 0.02, True)

t0 = time.monotonic()
check("clock_nanosleep(20 ms)", t64.sleep("clock_nanosleep", 20_000_000), 0)
check("clock_nanosleep slept at least 20 ms", time.monotonic() - t0 >= 0.02, True)
# the runtime's select/pselect with no descriptors return at once (JavaScript cannot block),
# for Python's select.select too
import select
check("select with a timeout vs select.select", t64.sleep("select", 20_000_000),
      len(select.select([], [], [], 0.02)[0]))
# the runtime has no pselect syscall: its ENOSYS comes through
check("pselect: the runtime's ENOSYS", t64.sleep("pselect", 20_000_000), ("error", errno.ENOSYS))
s, ns = t64.timespec_get()
near("timespec_get(TIME_UTC) vs time.time()", s + ns / 1e9, time.time(), 2)

# setting times four ways, read back by Python and compared with os.utime of the same
# values (MEMFS keeps one millisecond timestamp per file)
for how, (at, atn, mt, mtn) in {
    "utime": (1_100_000_000, 0, 1_200_000_000, 0),
    "utimes": (1_100_000_001, 125_000_000, 1_200_000_001, 375_000_000),
    "utimensat": (1_100_000_002, 250_000_000, 1_200_000_002, 750_000_000),
    "futimens": (1_100_000_003, 500_000_000, 1_200_000_003, 625_000_000),
}.items():
    os.utime(path, (0, 0))
    check(f"{how} result", t64.settimes(how, path, at, atn, mt, mtn), 0)
    got = pystat(os.stat(path))
    os.utime(path, (0, 0))
    os.utime(path, ns=(at * 10**9 + atn, mt * 10**9 + mtn))
    check(f"{how} vs os.utime", got, pystat(os.stat(path)))
    check(f"{how}: the seconds set", got[12], mt)

f"ok {len(checks)} checks"

/* kiln's time64 compat layer for side modules built by a toolchain whose time_t is 32-bit
 * (Debian's Emscripten 3.1.6) and loaded by a runtime whose libc has a 64-bit time_t
 * (Pyodide 0.25.1: Emscripten 3.1.46).
 *
 * Every shim below defines a libc function with the TOOLCHAIN's ABI (its headers, its
 * struct layouts), hidden in the module, and calls the RUNTIME's function of the same name
 * through an import declared under another C name, with the runtime's struct layouts.
 * Values that do not fit the 32-bit time_t give -1 with errno EOVERFLOW (NULL for the
 * functions returning a pointer).
 *
 * The file is compiled once per shim (-DSHIM_<name>), one archive member each, so a module
 * links only the shims it uses. Each member names the runtime imports it makes in the
 * custom section "kiln.time64" (NUL-terminated names); `kiln abi-check` accepts a time_t
 * import only as often as that section lists it. See docs/abi.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

#define HIDDEN __attribute__((visibility("hidden")))
/* declare the runtime's NAME as rt_NAME and record the import in the marker section */
#define RUNTIME(ret, name, params)                                                        \
	__asm__(".section .custom_section.kiln.time64,\"\",@\n.asciz \"" #name "\"\n"); \
	__attribute__((import_module("env"), import_name(#name))) ret rt_##name params

/* the runtime's layouts (Emscripten 3.1.46, musl with 64-bit time_t) */
typedef int64_t rt_time_t;
struct rt_timespec {
	int64_t tv_sec;
	long tv_nsec;
};
struct rt_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};
struct rt_utimbuf {
	int64_t actime, modtime;
};
struct rt_stat {
	unsigned st_dev, st_mode, st_nlink, st_uid, st_gid, st_rdev;
	int64_t st_size;
	long st_blksize;
	int st_blocks;
	struct rt_timespec st_atim, st_mtim, st_ctim;
	uint64_t st_ino;
};
_Static_assert(sizeof(struct rt_timespec) == 16, "3.1.46 struct timespec");
_Static_assert(sizeof(struct rt_timeval) == 16, "3.1.46 struct timeval");
_Static_assert(sizeof(struct rt_stat) == 96 && offsetof(struct rt_stat, st_size) == 24 &&
	offsetof(struct rt_stat, st_atim) == 40 && offsetof(struct rt_stat, st_ino) == 88,
	"3.1.46 struct stat (the offsets its __syscall_stat64 writes)");
_Static_assert(sizeof(struct tm) == 44, "struct tm holds no time_t: same in both");

static inline int fits(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static inline int overflow(void)
{
	errno = EOVERFLOW;
	return -1;
}

static inline int ts_in(struct timespec *d, const struct rt_timespec *s)
{
	if (!fits(s->tv_sec))
		return overflow();
	d->tv_sec = (time_t)s->tv_sec;
	d->tv_nsec = s->tv_nsec;
	return 0;
}

static inline void ts_out(struct rt_timespec *d, const struct timespec *s)
{
	d->tv_sec = s->tv_sec;
	d->tv_nsec = s->tv_nsec;
}

static inline int stat_in(struct stat *d, const struct rt_stat *s)
{
	if (!fits(s->st_atim.tv_sec) || !fits(s->st_mtim.tv_sec) || !fits(s->st_ctim.tv_sec))
		return overflow();
	*d = (struct stat){0};
	d->st_dev = s->st_dev;
	d->st_ino = s->st_ino;
	d->__st_ino_truncated = (long)s->st_ino;
	d->st_mode = s->st_mode;
	d->st_nlink = s->st_nlink;
	d->st_uid = s->st_uid;
	d->st_gid = s->st_gid;
	d->st_rdev = s->st_rdev;
	d->st_size = s->st_size;
	d->st_blksize = s->st_blksize;
	d->st_blocks = s->st_blocks;
	ts_in(&d->st_atim, &s->st_atim);
	ts_in(&d->st_mtim, &s->st_mtim);
	ts_in(&d->st_ctim, &s->st_ctim);
	return 0;
}

#ifdef SHIM_time
RUNTIME(rt_time_t, time, (rt_time_t *));
HIDDEN time_t time(time_t *t)
{
	rt_time_t v = rt_time(NULL);
	if (!fits(v))
		return overflow();
	if (t)
		*t = (time_t)v;
	return (time_t)v;
}
#endif

#ifdef SHIM_clock_gettime
RUNTIME(int, clock_gettime, (clockid_t, struct rt_timespec *));
HIDDEN int clock_gettime(clockid_t c, struct timespec *ts)
{
	struct rt_timespec r;
	int e = rt_clock_gettime(c, &r);
	return e ? e : ts_in(ts, &r);
}
#endif

#ifdef SHIM_clock_getres
RUNTIME(int, clock_getres, (clockid_t, struct rt_timespec *));
HIDDEN int clock_getres(clockid_t c, struct timespec *ts)
{
	struct rt_timespec r;
	int e = rt_clock_getres(c, &r);
	return e || !ts ? e : ts_in(ts, &r);
}
#endif

#ifdef SHIM_gettimeofday
RUNTIME(int, gettimeofday, (struct rt_timeval *, void *));
HIDDEN int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct rt_timeval r;
	if (!tv)
		return 0;
	int e = rt_gettimeofday(&r, tz);
	if (e)
		return e;
	if (!fits(r.tv_sec))
		return overflow();
	tv->tv_sec = (time_t)r.tv_sec;
	tv->tv_usec = (suseconds_t)r.tv_usec;
	return 0;
}
#endif

#ifdef SHIM_stat
RUNTIME(int, stat, (const char *, struct rt_stat *));
HIDDEN int stat(const char *restrict path, struct stat *restrict st)
{
	struct rt_stat r;
	int e = rt_stat(path, &r);
	return e ? e : stat_in(st, &r);
}
#endif

#ifdef SHIM_lstat
RUNTIME(int, lstat, (const char *, struct rt_stat *));
HIDDEN int lstat(const char *restrict path, struct stat *restrict st)
{
	struct rt_stat r;
	int e = rt_lstat(path, &r);
	return e ? e : stat_in(st, &r);
}
#endif

#ifdef SHIM_fstat
RUNTIME(int, fstat, (int, struct rt_stat *));
HIDDEN int fstat(int fd, struct stat *st)
{
	struct rt_stat r;
	int e = rt_fstat(fd, &r);
	return e ? e : stat_in(st, &r);
}
#endif

#ifdef SHIM_fstatat
RUNTIME(int, fstatat, (int, const char *, struct rt_stat *, int));
HIDDEN int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	struct rt_stat r;
	int e = rt_fstatat(dirfd, path, &r, flags);
	return e ? e : stat_in(st, &r);
}
#endif

#ifdef SHIM_gmtime
RUNTIME(struct tm *, gmtime, (const rt_time_t *));
HIDDEN struct tm *gmtime(const time_t *t)
{
	rt_time_t v = *t;
	return rt_gmtime(&v);
}
#endif

#ifdef SHIM_gmtime_r
RUNTIME(struct tm *, gmtime_r, (const rt_time_t *, struct tm *));
HIDDEN struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	rt_time_t v = *t;
	return rt_gmtime_r(&v, tm);
}
#endif

#ifdef SHIM_localtime
RUNTIME(struct tm *, localtime, (const rt_time_t *));
HIDDEN struct tm *localtime(const time_t *t)
{
	rt_time_t v = *t;
	return rt_localtime(&v);
}
#endif

#ifdef SHIM_localtime_r
RUNTIME(struct tm *, localtime_r, (const rt_time_t *, struct tm *));
HIDDEN struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	rt_time_t v = *t;
	return rt_localtime_r(&v, tm);
}
#endif

#ifdef SHIM_mktime
RUNTIME(rt_time_t, mktime, (struct tm *));
HIDDEN time_t mktime(struct tm *tm)
{
	rt_time_t v = rt_mktime(tm);
	return fits(v) ? (time_t)v : overflow();
}
#endif

#ifdef SHIM_timegm
RUNTIME(rt_time_t, timegm, (struct tm *));
HIDDEN time_t timegm(struct tm *tm)
{
	rt_time_t v = rt_timegm(tm);
	return fits(v) ? (time_t)v : overflow();
}
#endif

#ifdef SHIM_difftime
/* pure arithmetic: no runtime call (and so no import) */
HIDDEN double difftime(time_t t1, time_t t0)
{
	return (double)t1 - (double)t0;
}
#endif

#ifdef SHIM_ctime
RUNTIME(char *, ctime, (const rt_time_t *));
HIDDEN char *ctime(const time_t *t)
{
	rt_time_t v = *t;
	return rt_ctime(&v);
}
#endif

#ifdef SHIM_ctime_r
RUNTIME(char *, ctime_r, (const rt_time_t *, char *));
HIDDEN char *ctime_r(const time_t *t, char *buf)
{
	rt_time_t v = *t;
	return rt_ctime_r(&v, buf);
}
#endif

#ifdef SHIM_nanosleep
RUNTIME(int, nanosleep, (const struct rt_timespec *, struct rt_timespec *));
HIDDEN int nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct rt_timespec q, m = {0, 0};
	ts_out(&q, req);
	int e = rt_nanosleep(&q, rem ? &m : NULL);
	if (rem)
		ts_in(rem, &m);
	return e;
}
#endif

#ifdef SHIM_utime
RUNTIME(int, utime, (const char *, const struct rt_utimbuf *));
HIDDEN int utime(const char *path, const struct utimbuf *t)
{
	struct rt_utimbuf r;
	if (t) {
		r.actime = t->actime;
		r.modtime = t->modtime;
	}
	return rt_utime(path, t ? &r : NULL);
}
#endif

#ifdef SHIM_utimes
RUNTIME(int, utimes, (const char *, const struct rt_timeval *));
HIDDEN int utimes(const char *path, const struct timeval tv[2])
{
	struct rt_timeval r[2];
	for (int i = 0; tv && i < 2; i++) {
		r[i].tv_sec = tv[i].tv_sec;
		r[i].tv_usec = tv[i].tv_usec;
	}
	return rt_utimes(path, tv ? r : NULL);
}
#endif

#ifdef SHIM_utimensat
RUNTIME(int, utimensat, (int, const char *, const struct rt_timespec *, int));
HIDDEN int utimensat(int dirfd, const char *path, const struct timespec ts[2], int flags)
{
	struct rt_timespec r[2];
	for (int i = 0; ts && i < 2; i++)
		ts_out(&r[i], &ts[i]);
	return rt_utimensat(dirfd, path, ts ? r : NULL, flags);
}
#endif

#ifdef SHIM_futimens
RUNTIME(int, futimens, (int, const struct rt_timespec *));
HIDDEN int futimens(int fd, const struct timespec ts[2])
{
	struct rt_timespec r[2];
	for (int i = 0; ts && i < 2; i++)
		ts_out(&r[i], &ts[i]);
	return rt_futimens(fd, ts ? r : NULL);
}
#endif

#ifdef SHIM_clock_nanosleep
RUNTIME(int, clock_nanosleep, (clockid_t, int, const struct rt_timespec *,
	struct rt_timespec *));
HIDDEN int clock_nanosleep(clockid_t c, int flags, const struct timespec *req,
	struct timespec *rem)
{
	struct rt_timespec q, m = {0, 0};
	ts_out(&q, req);
	int e = rt_clock_nanosleep(c, flags, &q, rem ? &m : NULL);
	if (rem && ts_in(rem, &m) != 0)
		return EOVERFLOW;
	return e;
}
#endif

#ifdef SHIM_timespec_get
RUNTIME(int, timespec_get, (struct rt_timespec *, int));
HIDDEN int timespec_get(struct timespec *ts, int base)
{
	struct rt_timespec r;
	int b = rt_timespec_get(&r, base);
	return b && ts_in(ts, &r) == 0 ? b : 0;
}
#endif

#ifdef SHIM_select
#include <sys/select.h>
RUNTIME(int, select, (int, fd_set *, fd_set *, fd_set *, struct rt_timeval *));
HIDDEN int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	struct timeval *restrict tv)
{
	struct rt_timeval t;
	if (tv) {
		t.tv_sec = tv->tv_sec;
		t.tv_usec = tv->tv_usec;
	}
	int k = rt_select(n, r, w, e, tv ? &t : NULL);
	if (tv && fits(t.tv_sec)) {
		tv->tv_sec = (time_t)t.tv_sec;
		tv->tv_usec = (suseconds_t)t.tv_usec;
	}
	return k;
}
#endif

#ifdef SHIM_pselect
#include <sys/select.h>
RUNTIME(int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct rt_timespec *,
	const sigset_t *));
HIDDEN int pselect(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	const struct timespec *restrict ts, const sigset_t *restrict mask)
{
	struct rt_timespec t;
	if (ts)
		ts_out(&t, ts);
	return rt_pselect(n, r, w, e, ts ? &t : NULL, mask);
}
#endif

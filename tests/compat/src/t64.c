/* Calls every libc function kiln's time64 compat layer covers, with the toolchain's
 * headers (32-bit time_t), and returns what it got; compat-test.sh compares the values
 * with Python's own time/os functions in the same Pyodide runtime. Failures come back as
 * ("error", errno). */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static PyObject *fail(void)
{
	return Py_BuildValue("(si)", "error", errno);
}

static PyObject *tm_tuple(const struct tm *tm)
{
	if (!tm)
		return fail();
	return Py_BuildValue("(iiiiiiiii)", tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
		tm->tm_hour, tm->tm_min, tm->tm_sec, (tm->tm_wday + 6) % 7, tm->tm_yday + 1,
		tm->tm_isdst);
}

static PyObject *stat_tuple(int r, const struct stat *st)
{
	if (r != 0)
		return fail();
	return Py_BuildValue("(KKIIIIKLllLlLlLl)", (unsigned long long)st->st_dev,
		(unsigned long long)st->st_ino, (unsigned)st->st_mode, (unsigned)st->st_nlink,
		(unsigned)st->st_uid, (unsigned)st->st_gid, (unsigned long long)st->st_rdev,
		(long long)st->st_size, (long)st->st_blksize, (long)st->st_blocks,
		(long long)st->st_atim.tv_sec, st->st_atim.tv_nsec,
		(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static PyObject *f_time(PyObject *self, PyObject *args)
{
	time_t t2 = 0, t = time(&t2);
	if (t == (time_t)-1)
		return fail();
	return Py_BuildValue("(LL)", (long long)t, (long long)t2);
}

static PyObject *f_clock_gettime(PyObject *self, PyObject *args)
{
	int id;
	struct timespec ts;
	if (!PyArg_ParseTuple(args, "i", &id))
		return NULL;
	if (clock_gettime(id, &ts) != 0)
		return fail();
	return Py_BuildValue("(Ll)", (long long)ts.tv_sec, ts.tv_nsec);
}

static PyObject *f_clock_getres(PyObject *self, PyObject *args)
{
	int id;
	struct timespec ts;
	if (!PyArg_ParseTuple(args, "i", &id))
		return NULL;
	if (clock_getres(id, &ts) != 0)
		return fail();
	return Py_BuildValue("(Ll)", (long long)ts.tv_sec, ts.tv_nsec);
}

static PyObject *f_gettimeofday(PyObject *self, PyObject *args)
{
	struct timeval tv;
	if (gettimeofday(&tv, NULL) != 0)
		return fail();
	return Py_BuildValue("(Ll)", (long long)tv.tv_sec, (long)tv.tv_usec);
}

static PyObject *f_stat(PyObject *self, PyObject *args)
{
	const char *p;
	struct stat st;
	if (!PyArg_ParseTuple(args, "s", &p))
		return NULL;
	int r = stat(p, &st);
	return stat_tuple(r, &st);
}

static PyObject *f_lstat(PyObject *self, PyObject *args)
{
	const char *p;
	struct stat st;
	if (!PyArg_ParseTuple(args, "s", &p))
		return NULL;
	int r = lstat(p, &st);
	return stat_tuple(r, &st);
}

static PyObject *f_fstat(PyObject *self, PyObject *args)
{
	int fd;
	struct stat st;
	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	int r = fstat(fd, &st);
	return stat_tuple(r, &st);
}

static PyObject *f_fstatat(PyObject *self, PyObject *args)
{
	const char *p;
	int flags;
	struct stat st;
	if (!PyArg_ParseTuple(args, "si", &p, &flags))
		return NULL;
	int r = fstatat(AT_FDCWD, p, &st, flags);
	return stat_tuple(r, &st);
}

static PyObject *f_gmtime(PyObject *self, PyObject *args)
{
	long long v;
	struct tm tm;
	if (!PyArg_ParseTuple(args, "L", &v))
		return NULL;
	time_t t = (time_t)v;
	PyObject *a = tm_tuple(gmtime(&t));
	PyObject *b = tm_tuple(gmtime_r(&t, &tm));
	return Py_BuildValue("(NN)", a, b);
}

static PyObject *f_localtime(PyObject *self, PyObject *args)
{
	long long v;
	struct tm tm;
	if (!PyArg_ParseTuple(args, "L", &v))
		return NULL;
	time_t t = (time_t)v;
	PyObject *a = tm_tuple(localtime(&t));
	PyObject *b = tm_tuple(localtime_r(&t, &tm));
	return Py_BuildValue("(NN)", a, b);
}

/* mktime and timegm of a broken-down time (year, mon, mday, hour, min, sec) */
static PyObject *f_mktime(PyObject *self, PyObject *args)
{
	struct tm a = {0}, b;
	if (!PyArg_ParseTuple(args, "(iiiiii)", &a.tm_year, &a.tm_mon, &a.tm_mday, &a.tm_hour,
		    &a.tm_min, &a.tm_sec))
		return NULL;
	a.tm_year -= 1900;
	a.tm_mon -= 1;
	a.tm_isdst = -1;
	b = a;
	errno = 0;
	time_t m = mktime(&a);
	PyObject *pm = m == (time_t)-1 && errno ? fail() : PyLong_FromLongLong(m);
	errno = 0;
	time_t g = timegm(&b);
	PyObject *pg = g == (time_t)-1 && errno ? fail() : PyLong_FromLongLong(g);
	return Py_BuildValue("(NN)", pm, pg);
}

static PyObject *f_difftime(PyObject *self, PyObject *args)
{
	long long a, b;
	if (!PyArg_ParseTuple(args, "LL", &a, &b))
		return NULL;
	return PyFloat_FromDouble(difftime((time_t)a, (time_t)b));
}

static PyObject *f_ctime(PyObject *self, PyObject *args)
{
	long long v;
	char buf[64];
	if (!PyArg_ParseTuple(args, "L", &v))
		return NULL;
	time_t t = (time_t)v;
	const char *a = ctime(&t), *b = ctime_r(&t, buf);
	return Py_BuildValue("(ss)", a ? a : "", b ? b : "");
}

static PyObject *f_nanosleep(PyObject *self, PyObject *args)
{
	long ns;
	if (!PyArg_ParseTuple(args, "l", &ns))
		return NULL;
	struct timespec req = {0, ns}, rem = {-1, -1};
	if (nanosleep(&req, &rem) != 0)
		return fail();
	return Py_BuildValue("i", 0);
}

/* set the times of a file four ways: "utime", "utimes", "utimensat", "futimens" */
static PyObject *f_settimes(PyObject *self, PyObject *args)
{
	const char *how, *p;
	long long at, mt;
	long atn, mtn;
	if (!PyArg_ParseTuple(args, "ssLlLl", &how, &p, &at, &atn, &mt, &mtn))
		return NULL;
	int r;
	if (strcmp(how, "utime") == 0) {
		struct utimbuf u = {(time_t)at, (time_t)mt};
		r = utime(p, &u);
	} else if (strcmp(how, "utimes") == 0) {
		struct timeval tv[2] = {{(time_t)at, atn / 1000}, {(time_t)mt, mtn / 1000}};
		r = utimes(p, tv);
	} else if (strcmp(how, "utimensat") == 0) {
		struct timespec ts[2] = {{(time_t)at, atn}, {(time_t)mt, mtn}};
		r = utimensat(AT_FDCWD, p, ts, 0);
	} else {
		struct timespec ts[2] = {{(time_t)at, atn}, {(time_t)mt, mtn}};
		int fd = open(p, O_RDONLY);
		r = fd < 0 ? -1 : futimens(fd, ts);
		if (fd >= 0)
			close(fd);
	}
	return r != 0 ? fail() : Py_BuildValue("i", 0);
}

/* sleep ns nanoseconds four ways: "nanosleep" is above; "clock_nanosleep", "select",
 * "pselect" */
static PyObject *f_sleep(PyObject *self, PyObject *args)
{
	const char *how;
	long ns;
	if (!PyArg_ParseTuple(args, "sl", &how, &ns))
		return NULL;
	int r;
	if (strcmp(how, "clock_nanosleep") == 0) {
		struct timespec req = {0, ns};
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
		if (r) {
			errno = r;
			r = -1;
		}
	} else if (strcmp(how, "select") == 0) {
		struct timeval tv = {0, ns / 1000};
		r = select(0, NULL, NULL, NULL, &tv);
	} else {
		struct timespec ts = {0, ns};
		r = pselect(0, NULL, NULL, NULL, &ts, NULL);
	}
	return r != 0 ? fail() : Py_BuildValue("i", 0);
}

static PyObject *f_timespec_get(PyObject *self, PyObject *args)
{
	struct timespec ts;
	int b = timespec_get(&ts, TIME_UTC);
	if (b != TIME_UTC)
		return fail();
	return Py_BuildValue("(Ll)", (long long)ts.tv_sec, ts.tv_nsec);
}

static PyObject *f_sizes(PyObject *self, PyObject *args)
{
	return Py_BuildValue("(ii)", (int)sizeof(time_t), (int)sizeof(struct stat));
}

static PyMethodDef methods[] = {
	{"time", f_time, METH_NOARGS, NULL},
	{"clock_gettime", f_clock_gettime, METH_VARARGS, NULL},
	{"clock_getres", f_clock_getres, METH_VARARGS, NULL},
	{"gettimeofday", f_gettimeofday, METH_NOARGS, NULL},
	{"stat", f_stat, METH_VARARGS, NULL},
	{"lstat", f_lstat, METH_VARARGS, NULL},
	{"fstat", f_fstat, METH_VARARGS, NULL},
	{"fstatat", f_fstatat, METH_VARARGS, NULL},
	{"gmtime", f_gmtime, METH_VARARGS, NULL},
	{"localtime", f_localtime, METH_VARARGS, NULL},
	{"mktime", f_mktime, METH_VARARGS, NULL},
	{"difftime", f_difftime, METH_VARARGS, NULL},
	{"ctime", f_ctime, METH_VARARGS, NULL},
	{"nanosleep", f_nanosleep, METH_VARARGS, NULL},
	{"settimes", f_settimes, METH_VARARGS, NULL},
	{"sleep", f_sleep, METH_VARARGS, NULL},
	{"timespec_get", f_timespec_get, METH_NOARGS, NULL},
	{"sizes", f_sizes, METH_NOARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "t64", NULL, -1, methods};

PyMODINIT_FUNC PyInit_t64(void)
{
	return PyModule_Create(&module);
}

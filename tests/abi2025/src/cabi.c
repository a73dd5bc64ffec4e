/* C under the target's ABI: setjmp/longjmp across frames, time(), stat() */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <time.h>

static jmp_buf env;

static void dive(int depth, int code)
{
	volatile char pad[64];
	pad[depth % 64] = (char)depth;
	if (depth == 0)
		longjmp(env, code + pad[0]);
	dive(depth - 1, code);
}

static PyObject *jump(PyObject *self, PyObject *args)
{
	int depth, code;
	if (!PyArg_ParseTuple(args, "ii", &depth, &code))
		return NULL;
	volatile int frames = depth;
	int r = setjmp(env);
	if (r)
		return Py_BuildValue("ii", r, frames);
	dive(depth, code);
	return PyLong_FromLong(-1);
}

static PyObject *now(PyObject *self, PyObject *noargs)
{
	return PyLong_FromLongLong((long long)time(NULL));
}

static PyObject *fstat_of(PyObject *self, PyObject *args)
{
	const char *path;
	struct stat st;
	if (!PyArg_ParseTuple(args, "s", &path))
		return NULL;
	if (stat(path, &st) != 0)
		return PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
	return Py_BuildValue("LLLi", (long long)st.st_size, (long long)st.st_mtime,
		(long long)st.st_ino, (int)(st.st_mode & 0777));
}

static PyMethodDef methods[] = {
	{"jump", jump, METH_VARARGS, NULL},
	{"now", now, METH_NOARGS, NULL},
	{"stat", fstat_of, METH_VARARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cabi", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cabi(void)
{
	return PyModule_Create(&mod);
}

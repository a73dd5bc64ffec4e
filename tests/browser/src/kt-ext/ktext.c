/* A small C extension module built by kiln for the browser test of kiln serve. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* sum of the squares 1..n, computed in C */
static PyObject *ktext_squares(PyObject *self, PyObject *args)
{
	long long n, sum = 0;
	if (!PyArg_ParseTuple(args, "L", &n))
		return NULL;
	for (long long i = 1; i <= n; i++)
		sum += i * i;
	return PyLong_FromLongLong(sum);
}

static PyObject *ktext_platform(PyObject *self, PyObject *args)
{
#ifdef __EMSCRIPTEN__
	return PyUnicode_FromString("emscripten");
#else
	return PyUnicode_FromString("native");
#endif
}

static PyMethodDef methods[] = {
	{"squares", ktext_squares, METH_VARARGS, "sum of i*i for i in 1..n"},
	{"platform", ktext_platform, METH_NOARGS, "the platform the module was compiled for"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "ktext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_ktext(void)
{
	return PyModule_Create(&module);
}

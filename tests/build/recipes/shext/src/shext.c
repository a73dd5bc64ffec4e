#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <shlib.h>

static PyObject *triple(PyObject *self, PyObject *arg)
{
	long x = PyLong_AsLong(arg);
	if (x == -1 && PyErr_Occurred())
		return NULL;
	return PyLong_FromLong(shlib_triple((int)x));
}

static PyMethodDef methods[] = {
	{"triple", triple, METH_O, "3 * x, computed by libshlib.so"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "shext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_shext(void)
{
	return PyModule_Create(&module);
}

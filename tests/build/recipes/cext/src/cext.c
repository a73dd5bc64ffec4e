#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <aclib.h>
#include <clib.h>

static PyObject *answer(PyObject *self, PyObject *args)
{
	return PyLong_FromLong(clib_answer());
}

static PyObject *configured(PyObject *self, PyObject *args)
{
	return Py_BuildValue("(iss)", aclib_long_size(), aclib_multiarch(), aclib_cross());
}

static PyMethodDef methods[] = {
	{"answer", answer, METH_NOARGS, "the answer, from the clib recipe"},
	{"configured", configured, METH_NOARGS,
		"what aclib's configure found: sizeof(long), the multiarch, cross_compiling"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cext(void)
{
	return PyModule_Create(&module);
}

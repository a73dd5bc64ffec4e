#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <clib.h>

static PyObject *answer(PyObject *self, PyObject *args)
{
	return PyLong_FromLong(clib_answer());
}

static PyMethodDef methods[] = {
	{"answer", answer, METH_NOARGS, "the answer, from the clib recipe"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cext(void)
{
	return PyModule_Create(&module);
}

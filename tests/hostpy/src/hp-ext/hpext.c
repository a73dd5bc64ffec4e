#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(a + b);
}

/* the Python whose headers the module was compiled against */
static PyObject *built_for(PyObject *self, PyObject *noargs)
{
	return PyUnicode_FromFormat("%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
}

static PyMethodDef methods[] = {
	{"add", add, METH_VARARGS, "a + b"},
	{"built_for", built_for, METH_NOARGS, "major.minor of the headers"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hpext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_hpext(void)
{
	return PyModule_Create(&module);
}

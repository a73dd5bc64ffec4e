/* A small extension module built both for the host and, through kiln's wrapper,
 * for Pyodide; tests/crossenv/ext-test.sh compares what the two return. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

static PyObject *demo_add(PyObject *self, PyObject *args)
{
	long long a, b;
	if (!PyArg_ParseTuple(args, "LL", &a, &b))
		return NULL;
	return PyLong_FromLongLong(a + b);
}

static PyObject *demo_hypot(PyObject *self, PyObject *args)
{
	double x, y;
	if (!PyArg_ParseTuple(args, "dd", &x, &y))
		return NULL;
	return PyFloat_FromDouble(sqrt(x * x + y * y));
}

static PyObject *demo_greet(PyObject *self, PyObject *args)
{
	const char *name;
	if (!PyArg_ParseTuple(args, "s", &name))
		return NULL;
	return PyUnicode_FromFormat("hello, %s (%zu bytes)", name, strlen(name));
}

static PyObject *demo_fail(PyObject *self, PyObject *args)
{
	const char *why;
	if (!PyArg_ParseTuple(args, "s", &why))
		return NULL;
	PyErr_Format(PyExc_ValueError, "demo failed: %s", why);
	return NULL;
}

static PyObject *demo_sizes(PyObject *self, PyObject *unused)
{
	return Py_BuildValue("{s:i,s:i,s:i}", "long", (int)sizeof(long), "void_p",
		(int)sizeof(void *), "size_t", (int)sizeof(size_t));
}

static PyObject *demo_total(PyObject *self, PyObject *arg)
{
	PyObject *seq = PySequence_Fast(arg, "total() takes a sequence");
	if (!seq)
		return NULL;
	double t = 0;
	for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
		double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
		if (v == -1.0 && PyErr_Occurred()) {
			Py_DECREF(seq);
			return NULL;
		}
		t += v;
	}
	Py_DECREF(seq);
	return PyFloat_FromDouble(t);
}

static PyMethodDef methods[] = {
	{"add", demo_add, METH_VARARGS, "sum of two 64-bit integers"},
	{"hypot", demo_hypot, METH_VARARGS, "length of (x, y)"},
	{"greet", demo_greet, METH_VARARGS, "a greeting"},
	{"fail", demo_fail, METH_VARARGS, "raise ValueError"},
	{"sizes", demo_sizes, METH_NOARGS, "C type sizes of the platform"},
	{"total", demo_total, METH_O, "sum of a sequence of floats"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "demo", NULL, -1, methods};

PyMODINIT_FUNC PyInit_demo(void)
{
	PyObject *m = PyModule_Create(&module);
	if (m && PyModule_AddIntConstant(m, "ANSWER", 42) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}

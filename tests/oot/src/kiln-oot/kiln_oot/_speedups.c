#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Adler-32 of a bytes object */
static PyObject *checksum(PyObject *self, PyObject *arg)
{
	Py_buffer view;
	if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
		return NULL;
	unsigned long a = 1, b = 0;
	const unsigned char *p = view.buf;
	for (Py_ssize_t i = 0; i < view.len; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	PyBuffer_Release(&view);
	return PyLong_FromUnsignedLong((b << 16) | a);
}

static PyObject *pointer_bits(PyObject *self, PyObject *unused)
{
	return PyLong_FromLong((long)(sizeof(void *) * 8));
}

static PyMethodDef methods[] = {
	{"checksum", checksum, METH_O, "Adler-32 of a bytes-like object"},
	{"pointer_bits", pointer_bits, METH_NOARGS, "bits of a C pointer"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void)
{
	return PyModule_Create(&module);
}

/* not static: exported only under the export policies that take every symbol */
int kiln_oot_exported(void);
int kiln_oot_exported(void)
{
	return 7;
}

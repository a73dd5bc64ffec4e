/* A CPython 3.11 extension module for 32-bit WebAssembly written without
 * Python.h (the host's headers describe a 64-bit ABI): the few declarations it
 * needs, laid out as in CPython's headers. It calls into libkilnhelper.so. */
typedef long Py_ssize_t;
typedef struct _object {
	Py_ssize_t ob_refcnt;
	void *ob_type;
} PyObject;
typedef PyObject *(*PyCFunction)(PyObject *, PyObject *);
typedef struct {
	const char *ml_name;
	PyCFunction ml_meth;
	int ml_flags;
	const char *ml_doc;
} PyMethodDef;
typedef struct {
	PyObject ob_base;
	PyObject *(*m_init)(void);
	Py_ssize_t m_index;
	PyObject *m_copy;
} PyModuleDef_Base;
typedef struct {
	PyModuleDef_Base m_base;
	const char *m_name;
	const char *m_doc;
	Py_ssize_t m_size;
	PyMethodDef *m_methods;
	void *m_slots, *m_traverse, *m_clear, *m_free;
} PyModuleDef;

#define METH_O 0x0008
#define PYTHON_API_VERSION 1013

PyObject *PyModule_Create2(PyModuleDef *, int);
PyObject *PyLong_FromLong(long);
long PyLong_AsLong(PyObject *);
PyObject *PyInit_kiln_fast(void);
/* from libkilnhelper.so */
int kiln_helper_double(int n);

static PyObject *twice(PyObject *self, PyObject *arg)
{
	(void)self;
	return PyLong_FromLong(kiln_helper_double((int)PyLong_AsLong(arg)));
}

static PyMethodDef methods[] = {
	{"twice", twice, METH_O, "2 * n"},
	{0, 0, 0, 0},
};

static PyModuleDef module = {
	{{1, 0}, 0, 0, 0}, "kiln_fast", "kiln's test extension", -1, methods, 0, 0, 0, 0,
};

PyObject *PyInit_kiln_fast(void)
{
	return PyModule_Create2(&module, PYTHON_API_VERSION);
}

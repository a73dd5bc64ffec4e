/* DGESV and DGEMM from kiln's liblapack, for buffers of doubles (array.array('d'),
 * memoryview): the Fortran arguments one to one, column-major, so that illegal
 * values reach LAPACK and come back as lapackdemo.LapackError (from XERBLA). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#include <kiln_lapack.h>

void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
	double *b, const int *ldb, int *info);
void dgemm_(const char *transa, const char *transb, const int *m, const int *n,
	const int *k, const double *alpha, const double *a, const int *lda, const double *b,
	const int *ldb, const double *beta, double *c, const int *ldc, size_t la, size_t lb);

static PyObject *lapack_error;

/* the XERBLA record of the call just made, as an exception */
static int check_xerbla(void)
{
	char name[32];
	int arg = kiln_lapack_error(name, sizeof name);
	if (!arg)
		return 0;
	kiln_lapack_clear();
	PyErr_Format(lapack_error, "%s: illegal value of argument %d", name, arg);
	return -1;
}

/* a contiguous buffer of doubles holding at least the rows x cols matrix with leading dimension ld */
static int get_matrix(PyObject *o, Py_buffer *v, int writable, long rows, long cols, long ld,
	const char *what)
{
	if (PyObject_GetBuffer(o, v, (writable ? PyBUF_WRITABLE : 0) | PyBUF_FORMAT |
			PyBUF_C_CONTIGUOUS) < 0)
		return -1;
	if (v->itemsize != sizeof(double) || !v->format || strcmp(v->format, "d") != 0) {
		PyErr_Format(PyExc_TypeError, "%s: a buffer of doubles ('d') is needed", what);
		goto fail;
	}
	/* with illegal dimensions LAPACK stops before touching the buffer */
	if (rows > 0 && cols > 0 && ld >= rows &&
	    v->len / (Py_ssize_t)sizeof(double) < (Py_ssize_t)(ld * (cols - 1) + rows)) {
		PyErr_Format(PyExc_ValueError, "%s: %zd doubles, %ld needed", what,
			v->len / (Py_ssize_t)sizeof(double), ld * (cols - 1) + rows);
		goto fail;
	}
	return 0;
fail:
	PyBuffer_Release(v);
	return -1;
}

PyDoc_STRVAR(dgesv_doc, "dgesv(n, nrhs, a, lda, b, ldb) -> list of pivots\n\n"
	"Solves A X = B in place (a becomes the LU factors, b the solution).");

static PyObject *py_dgesv(PyObject *self, PyObject *args)
{
	int n, nrhs, lda, ldb, info = 0;
	PyObject *ao, *bo, *res = NULL;
	Py_buffer a, b;
	(void)self;
	if (!PyArg_ParseTuple(args, "iiOiOi", &n, &nrhs, &ao, &lda, &bo, &ldb))
		return NULL;
	if (get_matrix(ao, &a, 1, n, n, lda, "a") < 0)
		return NULL;
	if (get_matrix(bo, &b, 1, n, nrhs, ldb, "b") < 0) {
		PyBuffer_Release(&a);
		return NULL;
	}
	int *ipiv = PyMem_Calloc(n > 0 ? (size_t)n : 1, sizeof(int));
	if (!ipiv) {
		PyErr_NoMemory();
		goto out;
	}
	kiln_lapack_clear();
	dgesv_(&n, &nrhs, a.buf, &lda, ipiv, b.buf, &ldb, &info);
	if (check_xerbla() < 0)
		goto out;
	if (info > 0) {
		PyErr_Format(PyExc_ArithmeticError, "dgesv: U(%d,%d) is exactly zero", info, info);
		goto out;
	}
	res = PyList_New(n);
	for (int i = 0; res && i < n; i++)
		PyList_SET_ITEM(res, i, PyLong_FromLong(ipiv[i]));
out:
	PyMem_Free(ipiv);
	PyBuffer_Release(&a);
	PyBuffer_Release(&b);
	return res;
}

PyDoc_STRVAR(dgemm_doc, "dgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)\n\n"
	"C := alpha op(A) op(B) + beta C in place; transa/transb are 'N', 'T' or 'C'.");

static PyObject *py_dgemm(PyObject *self, PyObject *args)
{
	const char *ta, *tb;
	int m, n, k, lda, ldb, ldc;
	double alpha, beta;
	PyObject *ao, *bo, *co;
	Py_buffer a, b, c;
	(void)self;
	if (!PyArg_ParseTuple(args, "ssiiidOiOidOi", &ta, &tb, &m, &n, &k, &alpha, &ao, &lda,
			&bo, &ldb, &beta, &co, &ldc))
		return NULL;
	int nota = *ta == 'N' || *ta == 'n', notb = *tb == 'N' || *tb == 'n';
	if (get_matrix(ao, &a, 0, nota ? m : k, nota ? k : m, lda, "a") < 0)
		return NULL;
	if (get_matrix(bo, &b, 0, notb ? k : n, notb ? n : k, ldb, "b") < 0) {
		PyBuffer_Release(&a);
		return NULL;
	}
	if (get_matrix(co, &c, 1, m, n, ldc, "c") < 0) {
		PyBuffer_Release(&a);
		PyBuffer_Release(&b);
		return NULL;
	}
	kiln_lapack_clear();
	dgemm_(ta, tb, &m, &n, &k, &alpha, a.buf, &lda, b.buf, &ldb, &beta, c.buf, &ldc,
		strlen(ta), strlen(tb));
	PyBuffer_Release(&a);
	PyBuffer_Release(&b);
	PyBuffer_Release(&c);
	if (check_xerbla() < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
	{"dgesv", py_dgesv, METH_VARARGS, dgesv_doc},
	{"dgemm", py_dgemm, METH_VARARGS, dgemm_doc},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "lapackdemo", "DGESV and DGEMM from reference LAPACK", -1, methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_lapackdemo(void)
{
	PyObject *m = PyModule_Create(&module);
	if (!m)
		return NULL;
	lapack_error = PyErr_NewException("lapackdemo.LapackError", PyExc_ValueError, NULL);
	if (!lapack_error || PyModule_AddObject(m, "LapackError", lapack_error) < 0) {
		Py_XDECREF(lapack_error);
		Py_DECREF(m);
		return NULL;
	}
	Py_INCREF(lapack_error);
	return m;
}

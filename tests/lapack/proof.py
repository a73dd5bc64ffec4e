# Runs the cases through lapackdemo (in Pyodide) and returns the results as
# hex doubles, in the order native-driver.f90 writes them; then the illegal
# argument checks. Appended to cases.py by run.sh.
import array
import json

import lapackdemo


def run_cases():
    res = []
    for case in cases():
        if case[0] == "gesv":
            _, n, nrhs, a, b = case
            a, b = array.array("d", a), array.array("d", b)
            lapackdemo.dgesv(n, nrhs, a, n, memoryview(b), n)
            res += [x.hex() for x in a] + [x.hex() for x in b]
        else:
            _, ta, tb, m, n, k, alpha, beta, a, b, c = case
            lda = m if ta == "N" else k
            ldb = k if tb == "N" else n
            c = array.array("d", c)
            lapackdemo.dgemm(ta, tb, m, n, k, alpha, array.array("d", a), lda,
                             memoryview(array.array("d", b)), ldb, beta, c, m)
            res += [x.hex() for x in c]
    return res


def illegal():
    out = []
    a, b = array.array("d", [1.0] * 4), array.array("d", [1.0] * 2)
    for call in (lambda: lapackdemo.dgesv(-1, 1, a, 1, b, 1),
                 lambda: lapackdemo.dgesv(2, 1, a, 1, b, 2),
                 lambda: lapackdemo.dgemm("X", "N", 2, 1, 2, 1.0, a, 2, b, 2, 0.0, b, 2)):
        try:
            call()
            out.append("no exception")
        except lapackdemo.LapackError as e:
            out.append(f"{type(e).__name__}: {e}")
    # the error state is cleared: a legal call after an illegal one works
    lapackdemo.dgesv(2, 1, array.array("d", [2.0, 0.0, 0.0, 4.0]), 2, b, 2)
    out.append(repr(list(b)))
    return out


json.dumps({"results": run_cases(), "illegal": illegal()})

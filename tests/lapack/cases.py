# The inputs of the lapack proof, generated the same way on the host (for the
# native build) and in Pyodide: random.Random is the same generator in both.
import random


def cases():
    rng = random.Random(20240311)
    out = []
    for n, nrhs in ((4, 1), (50, 3), (200, 2)):
        a = [rng.uniform(-1.0, 1.0) for _ in range(n * n)]
        b = [rng.uniform(-10.0, 10.0) for _ in range(n * nrhs)]
        out.append(("gesv", n, nrhs, a, b))
    for ta, tb, m, n, k, alpha, beta in (("N", "N", 7, 5, 3, 1.0, 0.0),
                                         ("T", "N", 40, 30, 20, 1.5, -0.75),
                                         ("N", "T", 33, 17, 29, -2.25, 0.5),
                                         ("T", "T", 64, 48, 80, 0.3, 1.1)):
        ra, ca = (m, k) if ta == "N" else (k, m)
        rb, cb = (k, n) if tb == "N" else (n, k)
        a = [rng.uniform(-1.0, 1.0) for _ in range(ra * ca)]
        b = [rng.uniform(-1.0, 1.0) for _ in range(rb * cb)]
        c = [rng.uniform(-1.0, 1.0) for _ in range(m * n)]
        out.append(("gemm", ta, tb, m, n, k, alpha, beta, a, b, c))
    return out

"""kiln-oot: a pure Python helper around a C extension."""
from kiln_oot._speedups import checksum, pointer_bits


def describe(data):
    return {"checksum": checksum(data), "pointer_bits": pointer_bits()}

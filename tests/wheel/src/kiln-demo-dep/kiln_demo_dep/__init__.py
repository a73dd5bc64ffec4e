"""A dependency of kiln-demo (kiln's wheel tests)."""

__version__ = "1.2.0"


def base():
    return 40

__version__ = "1.99.0"
BUILT_BY_KILN = True

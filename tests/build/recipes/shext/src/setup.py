from setuptools import Extension, setup

setup(
    name="shext",
    version="1.0",
    ext_modules=[Extension("shext", ["shext.c"], libraries=["shlib"])],
)

from setuptools import Extension, setup

setup(
    name="cext",
    version="1.0",
    ext_modules=[Extension("cext", ["cext.c"], libraries=["clib", "aclib"])],
)

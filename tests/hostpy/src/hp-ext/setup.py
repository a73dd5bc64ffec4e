from setuptools import Extension, setup

setup(py_modules=["hpext_util"], ext_modules=[Extension("hpext", ["hpext.c"])])

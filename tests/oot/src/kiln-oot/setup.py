from setuptools import Extension, setup

setup(ext_modules=[Extension("kiln_oot._speedups", ["kiln_oot/_speedups.c"])])

from setuptools import Extension, setup

setup(ext_modules=[Extension("ktext", ["ktext.c"])])

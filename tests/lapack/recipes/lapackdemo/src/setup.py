from setuptools import Extension, setup

setup(
    name="lapackdemo",
    version="1.0",
    ext_modules=[Extension("lapackdemo", ["lapackdemo.c"], libraries=["lapack"])],
)

# Builds its C speedups if it can and silently falls back to pure Python
# otherwise, as markupsafe's setup.py does.
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class optional_build_ext(build_ext):
    def run(self):
        try:
            super().run()
        except Exception as e:
            print("WARNING: the C extension could not be compiled:", e)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:
            print("WARNING: the C extension could not be compiled:", e)


setup(
    name="fallback",
    version="1.0",
    py_modules=["fallback"],
    ext_modules=[Extension("_fallback_speedups", ["speedups.c"])],
    cmdclass={"build_ext": optional_build_ext},
)

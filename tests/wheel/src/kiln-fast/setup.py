# With KILN_TEST_PREBUILT set, the extension is that prebuilt file (a WebAssembly
# side module that, like a cross build driven by host sysconfig, carries the
# host's EXT_SUFFIX); without it the host compiler builds it: a "silent fallback".
import os
import shutil

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class Prebuilt(build_ext):
    def build_extension(self, ext):
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copyfile(os.environ["KILN_TEST_PREBUILT"], dest)
        os.chmod(dest, 0o755)


cmdclass = {"build_ext": Prebuilt} if os.environ.get("KILN_TEST_PREBUILT") else {}
setup(ext_modules=[Extension("kiln_fast", sources=["kiln_fast.c"])], cmdclass=cmdclass)

"""A PEP 517 backend whose wheel has another version than the recipe."""
import base64
import hashlib
import os
import zipfile


def _wheel(d, version):
    name = "wrongversion-%s-py3-none-any.whl" % version
    di = "wrongversion-%s.dist-info" % version
    files = {
        "wrongversion/__init__.py": b"x = 1\n",
        di + "/METADATA": b"Metadata-Version: 2.1\nName: wrongversion\nVersion: %s\n" % version.encode(),
        di + "/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "%s,sha256=%s,%d\n" % (n, h, len(data))
    files[di + "/RECORD"] = (record + di + "/RECORD,,\n").encode()
    with zipfile.ZipFile(os.path.join(d, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, "2.0")

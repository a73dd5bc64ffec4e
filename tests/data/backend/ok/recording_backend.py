# Wraps setuptools and records the config settings it was given.
import json
import os

from setuptools import build_meta as _sb
from setuptools.build_meta import *  # noqa: F401,F403


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(wheel_directory, "config_settings.json"), "w") as f:
        json.dump(config_settings or {}, f, sort_keys=True)
    return _sb.build_wheel(wheel_directory, None, metadata_directory)

import unittest

from helper_kt import OFFSET
from kt_withtests import add


def test_add():
    assert add(2, 3) == 5


def test_offset():
    assert add(OFFSET, 1) == 11


def test_needs_fixture(tmp_path):
    raise AssertionError("a test with a required argument is skipped")


def test_not_collected():
    raise AssertionError("__test__ = False keeps this out")


test_not_collected.__test__ = False


class AddCase(unittest.TestCase):
    def test_negative(self):
        self.assertEqual(add(-2, -3), -5)

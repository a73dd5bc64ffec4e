import unittest

from kt_withtests import add


def test_add():
    assert add(2, 3) == 5


def test_needs_fixture(tmp_path):
    raise AssertionError("a test with a required argument is skipped")


class AddCase(unittest.TestCase):
    def test_negative(self):
        self.assertEqual(add(-2, -3), -5)

import pytest


def test_with_pytest():
    with pytest.raises(ZeroDivisionError):
        1 / 0

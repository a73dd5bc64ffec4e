from kt_badtests import triple


def test_right():
    assert triple(2) == 6


def test_wrong():
    assert triple(2) == 7, "triple(2) is not 7"

import kiln_demo


def test_answer():
    assert kiln_demo.answer() == 42

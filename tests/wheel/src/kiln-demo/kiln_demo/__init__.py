from kiln_demo_dep import base


def answer():
    return base() + 2

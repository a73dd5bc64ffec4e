VALUE = "dep"


def is_greek(word):
    # a frozenset constant: its .pyc bytes must not depend on the hash seed
    return word in {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}

# a helper beside the test files, imported as a top-level module (as under pytest)
OFFSET = 10

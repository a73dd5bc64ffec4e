# matches test_*.py but is kept by a retain pattern
KEPT = True

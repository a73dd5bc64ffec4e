int helper_twice(int x) { return 2 * x; }
void *PyInit_mod(void) { return 0; }

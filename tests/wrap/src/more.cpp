extern "C" void *PyInit_more() { return nullptr; }

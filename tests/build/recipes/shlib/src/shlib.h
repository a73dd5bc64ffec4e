int shlib_triple(int x);

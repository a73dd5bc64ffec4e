#define CLIB_VERSION "1.0"

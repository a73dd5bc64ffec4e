#define KT_STATIC 1

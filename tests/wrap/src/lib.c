int lib_answer(void) { return 42; }
static int local_one(void) { return 1; }
__attribute__((visibility("hidden"))) int lib_hidden(void) { return local_one(); }
int lib_calls_hidden(void) { return lib_hidden(); }
int lib_data = 7;
extern int lib_undefined(void);
int lib_calls_undefined(void) { return lib_undefined(); }

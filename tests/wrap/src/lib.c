int lib_answer(void) { return 42; }
static int hidden_one(void) { return 1; }
int lib_calls_hidden(void) { return hidden_one(); }

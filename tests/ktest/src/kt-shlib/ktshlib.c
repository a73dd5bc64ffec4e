/* a shared library for the ktest suite: loaded globally, nothing to import */
int ktshlib_answer(void)
{
	return 42;
}

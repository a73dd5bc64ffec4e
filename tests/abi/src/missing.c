/* imports a function nobody provides */
int kiln_test_nowhere(int x);

int call_nowhere(int x)
{
	return kiln_test_nowhere(x);
}

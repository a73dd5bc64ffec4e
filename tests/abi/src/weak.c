/* a weak undefined function: absent at run time is fine */
__attribute__((weak)) int kiln_test_optional(int x);

int call_optional(int x)
{
	return kiln_test_optional ? kiln_test_optional(x) : -1;
}

/* a shared library other modules of a wheel link against */
int foo_scale(int x)
{
	return 3 * x;
}

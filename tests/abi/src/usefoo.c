/* imports foo_scale from libfoo.so (dylink.0 needed) */
int foo_scale(int x);

int use_foo(int x)
{
	return foo_scale(x) + 1;
}

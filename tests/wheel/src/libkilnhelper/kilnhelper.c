/* A shared library for kiln's tests: packaged as libkilnhelper-1.0.0.zip
 * (package_type shared_library), needed by the kiln_fast extension. */
int kiln_helper_double(int n);

int kiln_helper_double(int n)
{
	return 2 * n;
}

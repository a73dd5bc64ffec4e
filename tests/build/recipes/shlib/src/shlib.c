#include "shlib.h"

int shlib_triple(int x)
{
	return 3 * x;
}

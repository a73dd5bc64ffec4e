/* time() is shimmed by the compat layer, select() (struct timeval) is not */
#include <sys/select.h>
#include <time.h>

int unshimmed(void)
{
	struct timeval tv = {0, 1000};
	return (int)time(NULL) + select(0, 0, 0, 0, &tv);
}

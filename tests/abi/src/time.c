/* calls time(): env.time is (i32) -> i32 with a 32-bit time_t */
#include <time.h>

int seconds(void)
{
	return (int)time(0);
}

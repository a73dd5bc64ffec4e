/* struct stat and struct timespec hold time_t: same signatures, other layout */
#include <sys/stat.h>
#include <time.h>

long file_size(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	return (long)st.st_size;
}

long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_nsec;
}

/* takes the address of stat: a GOT.func import, no signature visible */
#include <sys/stat.h>

typedef int (*stat_fn)(const char *, struct stat *);

stat_fn get_stat(void)
{
	return stat;
}

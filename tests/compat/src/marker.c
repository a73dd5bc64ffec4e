/* A hand-made kiln.time64 section listing gmtime_r (the runtime's prototype has the same
 * wasm signature as the toolchain's), linked without the compat layer: abi-check must
 * accept env.gmtime_r because it is listed, and still report env.stat, which is not. */
#include <sys/stat.h>
#include <time.h>

__asm__(".section .custom_section.kiln.time64,\"\",@\n.asciz \"gmtime_r\"\n");

int marker(const char *path)
{
	struct stat st;
	struct tm tm;
	time_t t = 0;
	return stat(path, &st) + gmtime_r(&t, &tm)->tm_year;
}

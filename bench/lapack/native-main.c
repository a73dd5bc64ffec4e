/* native timing of kbench(): seconds per DGEMM */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double kbench(int n, int reps);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, reps = argc > 2 ? atoi(argv[2]) : 10;
	struct timespec t0, t1;
	kbench(n, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double v = kbench(n, reps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.9f %a\n", ((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) / reps, v);
	return 0;
}

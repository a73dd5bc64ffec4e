double kdot_(const int *n, const double *x, const double *y);
double glue_dot(void);

double glue_dot(void)
{
	const double x[3] = {1, 2, 3}, y[3] = {4, 5, 6};
	const int n = 3;
	return kdot_(&n, x, y);
}

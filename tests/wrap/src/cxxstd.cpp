// std::sort over std::string: the object defines libc++ template instantiations
#include <algorithm>
#include <string>
#include <vector>
extern "C" int first_length(const char *a, const char *b)
{
	std::vector<std::string> v{a, b};
	std::sort(v.begin(), v.end());
	return (int)v[0].size();
}

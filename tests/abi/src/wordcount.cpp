// std::istringstream >>, std::map and std::sort on strings: the libc++ hazard
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

// exported like PyMODINIT_FUNC: default visibility even under -fvisibility=hidden
extern "C" __attribute__((visibility("default"))) const char *wordcount(const char *text)
{
	std::istringstream in(text);
	std::map<std::string, int> counts;
	std::string w;
	while (in >> w)
		counts[w]++;
	std::vector<std::string> keys;
	for (auto &kv : counts)
		keys.push_back(kv.first);
	std::sort(keys.begin(), keys.end());
	std::string out;
	for (auto &k : keys) {
		if (!out.empty())
			out += ' ';
		out += k + ":" + std::to_string(counts[k]);
	}
	char *r = static_cast<char *>(malloc(out.size() + 1));
	memcpy(r, out.c_str(), out.size() + 1);
	return r;
}

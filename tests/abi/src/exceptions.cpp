// throws and catches std::runtime_error: the JavaScript-based exception
// machinery (__cxa_throw, __cxa_find_matching_catch_N, ...) is the runtime's
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

static std::string result;

extern "C" __attribute__((visibility("default"))) const char *wordcount(const char *text)
{
	try {
		if (std::string(text) == "throw")
			throw std::runtime_error("boom");
		result = std::string("ok:") + text;
	} catch (const std::exception &e) {
		result = std::string("caught:") + e.what();
	}
	return result.c_str();
}

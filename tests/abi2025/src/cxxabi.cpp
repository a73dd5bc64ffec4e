// C++ under the target's ABI: exceptions thrown and caught inside, libc++ containers
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static std::string count_words(const std::string &text)
{
	std::istringstream in(text);
	std::map<std::string, int> n;
	std::string w;
	while (in >> w)
		n[w]++;
	std::vector<std::pair<std::string, int>> v(n.begin(), n.end());
	std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
		return a.second != b.second ? a.second > b.second : a.first < b.first;
	});
	std::string out;
	for (const auto &p : v)
		out += (out.empty() ? "" : " ") + p.first + ":" + std::to_string(p.second);
	return out;
}

static int parse(const std::string &s)
{
	if (s.empty())
		throw std::invalid_argument("empty");
	size_t used = 0;
	int v = std::stoi(s, &used); // throws std::invalid_argument / std::out_of_range
	if (used != s.size())
		throw std::runtime_error("trailing: " + s.substr(used));
	return v;
}

static PyObject *wordcount(PyObject *, PyObject *args)
{
	const char *s;
	if (!PyArg_ParseTuple(args, "s", &s))
		return NULL;
	return PyUnicode_FromString(count_words(s).c_str());
}

static PyObject *to_int(PyObject *, PyObject *args)
{
	const char *s;
	if (!PyArg_ParseTuple(args, "s", &s))
		return NULL;
	try {
		return PyLong_FromLong(parse(s));
	} catch (const std::out_of_range &e) {
		PyErr_SetString(PyExc_OverflowError, "out of range");
	} catch (const std::exception &e) {
		PyErr_Format(PyExc_ValueError, "caught: %s", e.what());
	}
	return NULL;
}

static PyObject *nested(PyObject *, PyObject *args)
{
	int depth;
	if (!PyArg_ParseTuple(args, "i", &depth))
		return NULL;
	std::vector<int> seen;
	for (int i = 0; i < depth; i++) {
		try {
			try {
				std::vector<int>().at((size_t)i + 1);
			} catch (const std::out_of_range &) {
				throw i * 2;
			}
		} catch (int v) {
			seen.push_back(v);
		}
	}
	long sum = 0;
	for (int v : seen)
		sum += v;
	return PyLong_FromLong(sum);
}

static PyMethodDef methods[] = {
	{"wordcount", wordcount, METH_VARARGS, NULL},
	{"to_int", to_int, METH_VARARGS, NULL},
	{"nested", nested, METH_VARARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cxxabi", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cxxabi(void)
{
	return PyModule_Create(&mod);
}

/* Requirement and marker evaluation against Pyodide 0.25.1's environment. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "recipe/req.h"


static const struct {
	const char *marker;
	int want; /* 1 true, 0 false, -1 malformed */
} markers[] = {
	{"python_version < '3'", 0},
	{"python_version >= \"3.8\"", 1},
	{"python_version > '3.9'", 1},
	{"python_version == '3.11'", 1},
	{"python_version == '3.11.*'", 1},
	{"python_version != '3.11.*'", 0},
	{"python_version ~= '3.10'", 1},
	{"python_version ~= '3.12'", 0},
	{"python_full_version >= '3.11.3'", 1},
	{"python_full_version < '3.11.3'", 0},
	{"python_version < '3.11.1'", 1},
	{"'3.1' <= python_version", 1},
	{"sys_platform == 'emscripten'", 1},
	{"sys_platform == 'win32' or sys_platform == 'darwin'", 0},
	{"platform_system != 'Windows'", 1},
	{"platform_machine == 'wasm32'", 1},
	{"os_name == 'nt'", 0},
	{"implementation_name == \"cpython\" and python_version >= '3.7'", 1},
	{"platform_python_implementation == 'PyPy'", 0},
	{"platform.python_implementation == 'CPython'", 1},
	{"extra == 'test'", 0},
	{"extra != 'test'", 1},
	{"(python_version < '3.8' or sys_platform == 'emscripten') and os_name == 'posix'", 1},
	{"python_version < '3.8' or sys_platform == 'emscripten' and os_name == 'nt'", 0},
	{"'emsc' in sys_platform", 1},
	{"'linux' not in sys_platform", 1},
	{"python_version <", -1},
	{"python_version 3.8", -1},
	{"python_version < '3.8", -1},
	{"bogus_var == 'x'", -1},
	{"(python_version < '3.8'", -1},
	{"python_version < '3.8' garbage", -1},
	{"not python_version == '3'", -1},
	{"", -1},
};

static void test_markers(void)
{
	struct req_env env;
	char pyver[16];
	req_env_pyodide(&env, "3.11.3", pyver);
	CHECK(strcmp(pyver, "3.11") == 0, "python_version %s", pyver);
	for (size_t i = 0; i < ARRAY_LEN(markers); i++) {
		int got = req_marker_eval(markers[i].marker, &env);
		CHECK(got == markers[i].want, "marker \"%s\": got %d, want %d", markers[i].marker, got,
			markers[i].want);
	}
}

static void test_parse(void)
{
	struct req r;
	CHECK(req_parse("kiln-demo-dep (>=1.0)", &r), "parse");
	CHECK(strcmp(r.name, "kiln-demo-dep") == 0 && strcmp(r.spec, ">=1.0") == 0 && !r.marker,
		"name/spec: %s %s", r.name, r.spec);
	req_free(&r);
	CHECK(req_parse("Kiln_Demo.Dep[fast, slow] >=1,<2 ; sys_platform == 'emscripten'", &r), "parse");
	CHECK(strcmp(r.name, "Kiln_Demo.Dep") == 0 && r.extras.n == 2 &&
			strcmp(r.extras.v[1], "slow") == 0 && strcmp(r.spec, ">=1,<2") == 0 &&
			strcmp(r.marker, "sys_platform == 'emscripten'") == 0,
		"extras/marker");
	req_free(&r);
	CHECK(req_parse("pkg @ https://example.org/p.whl;v=1 ; os_name == 'posix'", &r), "url");
	CHECK(strcmp(r.spec, "@ https://example.org/p.whl;v=1") == 0 && r.marker &&
			strcmp(r.marker, "os_name == 'posix'") == 0,
		"url spec '%s' marker '%s'", r.spec, r.marker ? r.marker : "");
	req_free(&r);
	static const char *const bad[] = {"", " ;x", "[extra]", "name[extra", "name[,]", "n ;",
		"n (>=1"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		bool ok = req_parse(bad[i], &r);
		CHECK(!ok, "'%s' accepted", bad[i]);
		if (ok)
			req_free(&r);
	}
}

static void test_versions(void)
{
	CHECK(req_version_cmp("3.11", "3.11.0") == 0, "3.11 == 3.11.0");
	CHECK(req_version_cmp("3.9", "3.11") < 0, "3.9 < 3.11");
	CHECK(req_version_cmp("3.11.3", "3.11") > 0, "3.11.3 > 3.11");
	CHECK(req_version_cmp("10", "9") > 0, "10 > 9");
}

int main(void)
{
	test_markers();
	test_parse();
	test_versions();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

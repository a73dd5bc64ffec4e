#include "base/config.h"

#include <stdlib.h>

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

const char *config_cache_dir(void)
{
	return env_or("KILN_CACHE", "cache");
}

const char *config_host_python(void)
{
	return env_or("KILN_PYTHON", "/usr/bin/python3");
}

const char *config_pyodide_dir(void)
{
	return env_or("KILN_PYODIDE", KILN_SOURCE_ROOT "/crossenv/node_modules/pyodide");
}

const char *config_compat_dir(void)
{
	return env_or("KILN_COMPAT_DIR", KILN_SOURCE_ROOT "/crossenv/compat");
}

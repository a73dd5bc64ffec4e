#include "toolchain/runtime.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

enum runtime_lock_format runtime_lock_format(const char *version, const char *abi_version,
	const char *python, const char *platform, const char *arch)
{
	if (!python || !platform || !arch)
		return RUNTIME_LOCK_UNKNOWN;
	if (abi_version)
		return RUNTIME_LOCK_ABI;
	return version ? RUNTIME_LOCK_LEGACY : RUNTIME_LOCK_UNKNOWN;
}

void runtime_free(struct runtime *rt)
{
	free(rt->dir);
	free(rt->version);
	free(rt->python);
	free(rt->abi_version);
	free(rt->platform);
	free(rt->arch);
	*rt = (struct runtime){0};
}

static const char *info_str(const cJSON *info, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, key));
}

/* "version" of the runtime's package.json, or NULL */
static char *package_version(const char *dir)
{
	char *path = path_join(dir, "package.json");
	char *text = read_file(path, NULL);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const char *v = info_str(j, "version");
	char *out = v ? xstrdup(v) : NULL;
	cJSON_Delete(j);
	free(text);
	free(path);
	return out;
}

static bool read_info(const char *lock, const cJSON *info, struct runtime *rt)
{
	const char *ver = info_str(info, "version"), *abi = info_str(info, "abi_version");
	const char *py = info_str(info, "python"), *plat = info_str(info, "platform");
	const char *arch = info_str(info, "arch");
	rt->format = runtime_lock_format(ver, abi, py, plat, arch);
	if (rt->format == RUNTIME_LOCK_UNKNOWN) {
		log_err("%s: a lock file of an unknown format: its info needs python, platform, "
			"arch and either abi_version (pyodide-lock 0.2) or version (Pyodide 0.25); "
			"give a Pyodide 0.25.1 or later runtime directory", lock);
		return false;
	}
	rt->version = ver ? xstrdup(ver) : package_version(rt->dir);
	if (!rt->version) {
		log_err("%s: no info.version and no package.json with a version beside it: "
			"give the runtime's npm package directory", lock);
		return false;
	}
	rt->python = xstrdup(py);
	rt->abi_version = xstrdup(abi ? abi : "");
	rt->platform = xstrdup(plat);
	rt->arch = xstrdup(arch);
	return true;
}

bool runtime_load(const char *dir, struct runtime *rt)
{
	*rt = (struct runtime){0};
	char *lock = path_join(dir, "pyodide-lock.json");
	char *zip = path_join(dir, "python_stdlib.zip");
	char *text = NULL;
	cJSON *j = NULL;
	bool ok = false;
	if (!path_is_dir(dir)) {
		log_err("%s: not a directory (give a Pyodide runtime with --pyodide DIR or "
			"--target 0.25|0.29|314|latest)", dir);
		goto out;
	}
	if (!path_is_file(lock) || !path_is_file(zip)) {
		log_err("%s: not a Pyodide runtime: no %s (give the directory of the npm "
			"package 'pyodide', e.g. with --target)", dir,
			!path_is_file(lock) ? "pyodide-lock.json" : "python_stdlib.zip");
		goto out;
	}
	rt->dir = realpath(dir, NULL);
	if (!rt->dir)
		rt->dir = xstrdup(dir);
	if (!(text = read_file(lock, NULL))) {
		log_err("%s: %s", lock, strerror(errno));
		goto out;
	}
	j = cJSON_Parse(text);
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "info");
	if (!cJSON_IsObject(info)) {
		log_err("%s: not a Pyodide lock file (no \"info\" object)", lock);
		goto out;
	}
	ok = read_info(lock, info, rt);
out:
	if (!ok)
		runtime_free(rt);
	cJSON_Delete(j);
	free(text);
	free(zip);
	free(lock);
	return ok;
}

char *runtime_wheel_platform(const char *abi_version, const char *platform, const char *arch,
	bool legacy)
{
	if (!abi_version || !*abi_version)
		return xasprintf("%s_%s", platform, arch);
	if (atoi(abi_version) < 2025)
		return xasprintf("pyodide_%s_%s", abi_version, arch);
	return xasprintf("%s_%s_%s", legacy ? "pyodide" : "pyemscripten", abi_version, arch);
}

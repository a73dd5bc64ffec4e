#include "base/config.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

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

const char *config_runtimes_dir(void)
{
	return env_or("KILN_RUNTIMES", KILN_SOURCE_ROOT "/crossenv/node_modules");
}

const char *config_python_include(void)
{
	return env_or("KILN_PYTHON_INCLUDE", NULL);
}

const char *config_compat_dir(void)
{
	return env_or("KILN_COMPAT_DIR", KILN_SOURCE_ROOT "/crossenv/compat");
}

/* <0, 0, >0 as version a is older, the same, newer than b: numeric components compared
 * in turn, a release newer than its pre-releases ("314.0.0" > "314.0.0a2") */
static int version_cmp(const char *a, const char *b)
{
	for (;;) {
		char *ea, *eb;
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		bool da = *ea == '.', db = *eb == '.';
		if (da && db) {
			a = ea + 1;
			b = eb + 1;
			continue;
		}
		if (!*ea && !*eb)
			return 0;
		if (da != db) /* one has more components */
			return da ? 1 : -1;
		if (!*ea || !*eb) /* the other is a pre-release */
			return !*ea ? 1 : -1;
		return strcmp(ea, eb);
	}
}

/* "version" of dir/package.json when it is the "pyodide" package, else NULL */
static char *pyodide_package_version(const char *dir)
{
	char *path = path_join(dir, "package.json");
	char *text = read_file(path, NULL);
	free(path);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "name"));
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "version"));
	char *out = name && v && strcmp(name, "pyodide") == 0 ? xstrdup(v) : NULL;
	cJSON_Delete(j);
	free(text);
	return out;
}

static bool version_like(const char *spec)
{
	return strcmp(spec, "latest") == 0 ||
		(*spec && spec[strspn(spec, "0123456789.")] == '\0');
}

/* "latest", "0.29" for "0.29.5", or the whole version */
static bool spec_matches(const char *spec, const char *version)
{
	size_t n = strlen(spec);
	return strcmp(spec, "latest") == 0 ||
		(strncmp(version, spec, n) == 0 && (version[n] == '\0' || version[n] == '.'));
}

/* whether version v is a better match of spec than best: newer; for "latest" a release
 * before any pre-release */
static bool newer(const char *spec, const char *v, const char *best)
{
	bool rv = version_like(v), rb = version_like(best);
	if (strcmp(spec, "latest") == 0 && rv != rb)
		return rv;
	return version_cmp(v, best) > 0;
}

char *config_target_dir(const char *spec)
{
	if (strchr(spec, '/') || !version_like(spec))
		return xstrdup(spec);
	const char *root = config_runtimes_dir();
	DIR *d = opendir(root);
	struct dirent *e;
	char *best = NULL, *best_version = NULL;
	struct buf seen = {0};
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *dir = path_join(root, e->d_name);
		char *v = pyodide_package_version(dir);
		if (v)
			buf_printf(&seen, "%s%s", seen.len ? ", " : "", v);
		if (v && spec_matches(spec, v) && (!best || newer(spec, v, best_version))) {
			free(best);
			free(best_version);
			best = dir;
			best_version = v;
			continue;
		}
		free(dir);
		free(v);
	}
	if (d)
		closedir(d);
	if (!best)
		log_err("no installed Pyodide runtime matches the target '%s' (installed in %s: %s); "
			"run ci/setup, or give a runtime directory with --pyodide or --target DIR",
			spec, root, seen.len ? seen.s : "none");
	free(best_version);
	buf_free(&seen);
	return best;
}

static char *selected;

bool config_select_target(const char *pyodide, const char *target)
{
	const char *dir = pyodide && *pyodide ? pyodide : getenv("KILN_PYODIDE");
	char *got;
	if (dir && *dir)
		got = xstrdup(dir);
	else
		got = config_target_dir(target && *target ? target
						: env_or("KILN_TARGET", CONFIG_DEFAULT_TARGET));
	if (!got)
		return false;
	free(selected);
	selected = got;
	return true;
}

const char *config_pyodide_dir(void)
{
	if (!selected && !config_select_target(NULL, NULL))
		selected = path_join(config_runtimes_dir(), "pyodide-" CONFIG_DEFAULT_TARGET);
	return selected;
}

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "artifact/lock.h"
#include "artifact/metadata.h"
#include "artifact/wheel.h"
#include "base/arcread.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/util.h"
#include "build/fetch.h"
#include "build/index.h"
#include "cmd/cmd.h"
#include "recipe/recipe.h"
#include "recipe/req.h"
#include "recipe/ydoc.h"

extern const struct kiln_cmd cmd_skeleton;

/* A recipe from an sdist's metadata (as `pyodide skeleton pypi` does from PyPI's). */

#define MAX_META (16u << 20) /* bytes of PKG-INFO or top_level.txt read */

struct sdist {
	struct strv names; /* file paths below the top directory */
	char *pkg_info;
	char *top_level;   /* an egg-info's top_level.txt, NULL when none */
	char *requires;    /* an egg-info's requires.txt, NULL when none */
};

struct pkginfo {
	char *name, *version, *summary, *license, *home;
	struct strv requires;
};

static char *read_entry(struct archive *a, const char *path, const char *name)
{
	struct buf b = {0};
	int r = arc_entry_data(a, &b, MAX_META);
	if (r) {
		if (r > 0)
			log_err("%s: %s is larger than %u bytes", path, name, MAX_META);
		else
			log_err("%s: %s: %s", path, name, archive_error_string(a));
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* an egg-info's file at <top>/X.egg-info/ or <top>/src/X.egg-info/ */
static bool is_egg_info(const char *rel, const char *file)
{
	if (str_startswith(rel, "src/"))
		rel += 4;
	const char *slash = strchr(rel, '/');
	return slash && slash - rel > 9 && strncmp(slash - 9, ".egg-info", 9) == 0 &&
		strcmp(slash + 1, file) == 0;
}

struct sdist_walk {
	const char *path;
	struct sdist *s;
};

/* keep a file's name below the top directory, and PKG-INFO and the egg-info files */
static enum arc_step read_sdist_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct sdist_walk *sw = ctx;
	struct sdist *s = sw->s;
	const char *name = archive_entry_pathname(e);
	if (!name)
		return ARC_NEXT;
	while (str_startswith(name, "./"))
		name += 2;
	const char *rel = strchr(name, '/');
	if (!rel || !rel[1] || archive_entry_filetype(e) != AE_IFREG)
		return ARC_NEXT;
	rel++;
	strv_add(&s->names, rel);
	char **dst = strcmp(rel, "PKG-INFO") == 0 ? &s->pkg_info
		: is_egg_info(rel, "top_level.txt") ? &s->top_level
		: is_egg_info(rel, "requires.txt")  ? &s->requires
						    : NULL;
	if (dst && !*dst && !(*dst = read_entry(a, sw->path, name)))
		return ARC_FAIL;
	return ARC_NEXT;
}

static bool read_sdist(const char *path, struct sdist *s)
{
	struct sdist_walk sw = {.path = path, .s = s};
	struct arc_source src = {.path = path, .formats = ARC_ALL, .warnings_fail = true,
		.short_errors = true};
	if (!arc_each(&src, read_sdist_entry, &sw))
		return false;
	if (!s->pkg_info) {
		log_err("%s: no PKG-INFO in the top directory: not an sdist", path);
		return false;
	}
	return true;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* a copy of the first line of s, NULL when s is NULL, empty or "UNKNOWN" */
static char *known(const char *s)
{
	size_t n = s ? strcspn(s, "\n") : 0;
	if (!n || (n == 7 && strncmp(s, "UNKNOWN", 7) == 0))
		return NULL;
	return xstrndup(s, n);
}

/* the home page: the first Home-page or "Project-URL: Homepage, URL" */
static const char *home_page(const struct metadata *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->v[i].key, *v = m->v[i].value;
		if (strcasecmp(k, "Home-page") == 0)
			return v;
		if (strcasecmp(k, "Project-URL") == 0 && strncasecmp(v, "homepage,", 9) == 0)
			return v + 9 + strspn(v + 9, " \t");
	}
	return NULL;
}

/* the fields of PKG-INFO a recipe uses; a License is the first line of the field
 * (setuptools folds the whole license text into it) */
static void parse_pkg_info(const char *text, struct pkginfo *p)
{
	struct metadata m = {0};
	metadata_parse(&m, text, strlen(text));
	const char *name = metadata_get(&m, "Name"), *version = metadata_get(&m, "Version");
	const char *expr = metadata_get(&m, "License-Expression");
	p->name = name ? xstrdup(name) : NULL;
	p->version = version ? xstrdup(version) : NULL;
	p->summary = known(metadata_get(&m, "Summary"));
	p->home = known(home_page(&m));
	p->license = expr ? xstrdup(expr) : known(metadata_get(&m, "License"));
	metadata_get_all(&m, "Requires-Dist", &p->requires);
	metadata_free(&m);
}

/* requirements of an egg-info's requires.txt as Requires-Dist values: the lines
 * before any section, and those of "[:marker]" sections with their marker
 * ("[extra]" and "[extra:marker]" sections belong to extras) */
static void parse_requires_txt(const char *text, struct strv *out)
{
	char *marker = NULL;
	bool active = true;
	for (const char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		char *t = trimmed(line, nl ? (size_t)(nl - line) : strlen(line));
		if (t[0] == '[') {
			free(marker);
			marker = NULL;
			active = t[1] == ':';
			if (active && strlen(t) > 3)
				marker = xstrndup(t + 2, strlen(t) - 3);
		} else if (active && *t && t[0] != '#') {
			strv_push(out, marker ? xasprintf("%s; %s", t, marker) : xstrdup(t));
		}
		free(t);
	}
	free(marker);
}

static void pkginfo_free(struct pkginfo *p)
{
	free(p->name);
	free(p->version);
	free(p->summary);
	free(p->license);
	free(p->home);
	strv_free(&p->requires);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_unique(struct strv *sv, const char *s, size_t n)
{
	char *v = xstrndup(s, n);
	if (strv_has(sv, v))
		free(v);
	else
		strv_push(sv, v);
}

/* import names: top_level.txt, else the packages and modules at the top of the
 * tree or of src/ (tests, docs, examples and setup scripts aside) */
static void top_levels(const struct sdist *s, const char *name, struct strv *out)
{
	static const char *const skip[] = {"setup", "conftest", "noxfile", "tasks", "test", "tests",
		"doc", "docs", "example", "examples", "benchmarks", "build"};
	if (s->top_level) {
		for (const char *l = s->top_level, *nl; l && *l; l = nl ? nl + 1 : NULL) {
			nl = strchr(l, '\n');
			char *t = trimmed(l, nl ? (size_t)(nl - l) : strlen(l));
			if (*t && !strv_has(out, t))
				strv_push(out, t);
			else
				free(t);
		}
	}
	for (int pass = 0; pass < 2 && !out->n; pass++) {
		const char *root = pass == 0 ? "src/" : "";
		size_t rl = strlen(root);
		for (size_t i = 0; i < s->names.n; i++) {
			const char *n = s->names.v[i];
			if (strncmp(n, root, rl) != 0)
				continue;
			n += rl;
			const char *slash = strchr(n, '/');
			size_t len = slash ? (size_t)(slash - n) : strlen(n) - 3;
			if (slash ? strcmp(slash + 1, "__init__.py") != 0 : !str_endswith(n, ".py"))
				continue;
			bool skipped = !wheel_is_identifier(n, len);
			for (size_t k = 0; k < ARRAY_LEN(skip) && !skipped; k++)
				skipped = strlen(skip[k]) == len && strncmp(n, skip[k], len) == 0;
			if (!skipped)
				add_unique(out, n, len);
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	else {
		char *norm = recipe_normalize(name);
		for (char *p = norm; *p; p++)
			if (*p == '-')
				*p = '_';
		strv_push(out, norm);
	}
}

/* runtime requirements of the target: markers evaluated, extras dropped */
static bool run_requirements(const struct pkginfo *p, struct strv *out)
{
	char *rt = path_join(config_pyodide_dir(), "pyodide-lock.json");
	struct lock *l = lock_load(rt);
	free(rt);
	if (!l)
		return false;
	const char *pyv = lock_info(l, "python");
	struct req_env env;
	char pyver[16];
	req_env_pyodide(&env, pyv ? pyv : "3.11.3", pyver);
	env.extra = "";
	bool ok = true;
	for (size_t i = 0; ok && i < p->requires.n; i++) {
		struct req r;
		if (!req_parse(p->requires.v[i], &r)) {
			ok = false;
			break;
		}
		if (req_applies(&r, &env)) {
			char *n = recipe_normalize(r.name);
			if (strv_has(out, n))
				free(n);
			else
				strv_push(out, n);
		}
		req_free(&r);
	}
	lock_free(l);
	return ok;
}

static void yaml_scalar(struct buf *b, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789 ._/:+=,()<>!;'-@";
	bool plain = isalnum((unsigned char)s[0]) && s[strspn(s, safe)] == '\0' &&
		!strstr(s, ": ") && !str_endswith(s, ":") && !str_endswith(s, " ") &&
		ydoc_resolve(s) == YSCALAR_STR;
	if (plain) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

static void yaml_kv(struct buf *b, const char *indent, const char *key, const char *v)
{
	buf_printf(b, "%s%s: ", indent, key);
	yaml_scalar(b, v);
	buf_putc(b, '\n');
}

static void yaml_list(struct buf *b, const char *indent, const char *key, const struct strv *sv)
{
	buf_printf(b, "%s%s:\n", indent, key);
	for (size_t i = 0; i < sv->n; i++) {
		buf_printf(b, "%s  - ", indent);
		yaml_scalar(b, sv->v[i]);
		buf_putc(b, '\n');
	}
}

static char *render(const struct pkginfo *p, const char *url, const char *sha,
	const struct strv *tops, const struct strv *run)
{
	struct buf b = {0};
	buf_puts(&b, "package:\n");
	yaml_kv(&b, "  ", "name", p->name);
	yaml_kv(&b, "  ", "version", p->version);
	yaml_list(&b, "  ", "top-level", tops);
	buf_puts(&b, "source:\n");
	yaml_kv(&b, "  ", "url", url);
	yaml_kv(&b, "  ", "sha256", sha);
	if (run->n) {
		buf_puts(&b, "requirements:\n");
		yaml_list(&b, "  ", "run", run);
	}
	buf_puts(&b, "test:\n");
	yaml_list(&b, "  ", "imports", tops);
	buf_puts(&b, "about:\n");
	if (p->home)
		yaml_kv(&b, "  ", "home", p->home);
	char *pypi = xasprintf("https://pypi.org/project/%s", p->name);
	yaml_kv(&b, "  ", "PyPI", pypi);
	free(pypi);
	if (p->summary)
		yaml_kv(&b, "  ", "summary", p->summary);
	if (p->license)
		yaml_kv(&b, "  ", "license", p->license);
	return buf_take(&b);
}

/* a distribution name a recipe directory can have */
static bool valid_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

/* the sdist of input: a local file, a URL (sha_arg required) or NAME[==VERSION] from the
 * indexes; *index_url is where an index lists it */
static char *get_sdist(const char *input, const char *sha_arg, const struct strv *indexes,
	char **index_url)
{
	bool remote = str_startswith(input, "http://") || str_startswith(input, "https://");
	char *path = NULL;
	*index_url = NULL;
	if (remote) {
		struct fetch_item it = {.url = input, .sha256 = sha_arg};
		if (fetch_all(&it, 1, NULL)) {
			path = it.path;
			it.path = NULL;
		}
		fetch_item_clear(&it);
	} else if (!path_exists(input) && fetch_is_spec(input)) {
		struct fetch_sdist sd;
		if (fetch_sdist(input, (const char *const *)indexes->v, indexes->n, &sd)) {
			path = sd.path;
			*index_url = sd.url;
			sd.path = sd.url = NULL;
		}
		fetch_sdist_free(&sd);
	} else {
		path = xstrdup(input);
	}
	return path;
}

static bool skeleton(const char *input, const char *sha_arg, const char *recipes, bool force,
	const struct strv *indexes)
{
	struct sdist s = {0};
	struct pkginfo p = {0};
	struct strv tops = {0}, run = {0};
	char *path = NULL, *url = NULL, *dir = NULL, *file = NULL, *text = NULL, *listed = NULL;
	char sha[65];
	bool ok = false;
	bool remote = str_startswith(input, "http://") || str_startswith(input, "https://");
	if (!(path = get_sdist(input, sha_arg, indexes, &listed)))
		goto out;
	if (!hash_sha256_file(path, sha)) {
		log_err("%s: %s", path, strerror(errno));
		goto out;
	}
	if (sha_arg && strcasecmp(sha, sha_arg) != 0) {
		log_err("%s: sha256 is %s, not %s", path, sha, sha_arg);
		goto out;
	}
	if (!read_sdist(path, &s))
		goto out;
	parse_pkg_info(s.pkg_info, &p);
	if (!p.requires.n && s.requires)
		parse_requires_txt(s.requires, &p.requires);
	if (!p.name || !p.version || !*p.version || !valid_name(p.name)) {
		log_err("%s: PKG-INFO has no usable Name and Version", path);
		goto out;
	}
	if (!run_requirements(&p, &run))
		goto out;
	top_levels(&s, p.name, &tops);
	/* PyPI's URL unless the file came from elsewhere: an index other than PyPI's is
	 * this machine's configuration, not the recipe's */
	if (remote)
		url = xstrdup(input);
	else if (listed && str_startswith(listed, "https://files.pythonhosted.org/"))
		url = xstrdup(listed);
	else
		url = xasprintf("https://files.pythonhosted.org/packages/source/%c/%s/%s", p.name[0],
			p.name, path_basename(path));
	dir = path_join(recipes, p.name);
	file = path_join(dir, "meta.yaml");
	if (path_exists(file) && !force) {
		log_err("%s exists; --force replaces it", file);
		goto out;
	}
	text = render(&p, url, sha, &tops, &run);
	if (!mkdir_p(dir, 0755) || !write_file_atomic(file, text, strlen(text))) {
		log_err("%s: %s", file, strerror(errno));
		goto out;
	}
	printf("%s\n", file);
	ok = true;
out:
	free(s.pkg_info);
	free(s.top_level);
	free(s.requires);
	strv_free(&s.names);
	pkginfo_free(&p);
	strv_free(&tops);
	strv_free(&run);
	free(path);
	free(url);
	free(dir);
	free(file);
	free(text);
	free(listed);
	return ok;
}

struct skeleton_opts {
	const char *recipes, *sha256;
	bool force;
	struct cmd_target t;
	struct strv index_urls, indexes;
	bool no_index;
};

static const struct cmd_opt options[] = {
	{"recipes", 0, "DIR", "where the recipe directory goes (default recipes)",
		CMD_STR(struct skeleton_opts, recipes)},
	{"force", 0, NULL, "replace an existing meta.yaml", CMD_FLAG(struct skeleton_opts, force)},
	{"sha256", 0, "HEX", "expected digest (required for a URL)",
		CMD_SHA256(struct skeleton_opts, sha256)},
	CMD_TARGET_OPTS(struct skeleton_opts, t),
	INDEX_OPTS(struct skeleton_opts, index_urls, no_index),
	{0},
};

static int run_skeleton(int argc, char **argv)
{
	struct skeleton_opts o = {.recipes = "recipes"};
	int status = EXIT_USAGE;
	if (!cmd_parse(&cmd_skeleton, &argc, argv, &o))
		goto out;
	const char *input = argc > 1 ? argv[1] : "";
	bool remote = str_startswith(input, "http://") || str_startswith(input, "https://");
	if (argc != 2)
		cmd_usage_error(&cmd_skeleton, "give one SDIST, URL or NAME[==VERSION]");
	else if (remote && !o.sha256)
		cmd_usage_error(&cmd_skeleton, "a URL needs --sha256 (every download is verified)");
	else if (o.no_index && o.index_urls.n)
		cmd_usage_error(&cmd_skeleton, "--no-index and --index-url exclude each other");
	else
		status = EXIT_FAIL;
	if (status == EXIT_USAGE)
		goto out;
	if (!cmd_select_target(&o.t))
		goto out;
	if (!o.no_index)
		index_urls(&o.index_urls, &o.indexes);
	status = skeleton(input, o.sha256, o.recipes, o.force, &o.indexes) ? EXIT_OK : EXIT_FAIL;
out:
	strv_free(&o.index_urls);
	strv_free(&o.indexes);
	return status;
}

const struct kiln_cmd cmd_skeleton = {
	.name = "skeleton",
	.run = run_skeleton,
	.summary = "write recipes/<name>/meta.yaml from an sdist's metadata",
	.synopsis = "skeleton [OPTIONS] SDIST|URL|NAME[==VERSION]",
	.details = "Name, version, summary, license and home page come from PKG-INFO;\n"
		   "Requires-Dist becomes requirements.run (markers evaluated for the Pyodide\n"
		   "runtime, extras dropped; an egg-info's requires.txt when PKG-INFO has none);\n"
		   "top-level from an egg-info top_level.txt, else the\n"
		   "sdist's top-level (or src/) packages and modules. A local file gets the PyPI\n"
		   "URL https://files.pythonhosted.org/packages/source/<N>/<name>/<file>.\n"
		   "NAME==VERSION (or NAME: the newest final release) takes the sdist from the\n"
		   "package index (as `pyodide skeleton pypi`), verified against its listed sha256.",
	.opts = options,
};

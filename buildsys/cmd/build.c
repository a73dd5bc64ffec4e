#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "build/backend.h"
#include "build/fetch.h"
#include "build/index.h"
#include "build/pkgbuild.h"
#include "build/srctree.h"
#include "cmd/cmd.h"
#include "toolchain/crossenv.h"
#include "toolchain/crossenv_setup.h"

extern const struct kiln_cmd cmd_build;

/* Out-of-tree builds: one package from a source tree, an sdist or a URL, with no
 * recipe, through the same environment, backend, post-processing and checks as a
 * recipe package. */

struct oot {
	const char *input;
	const char *outdir;
	const char *exports;
	const char *sha256;
	const char *cflags, *cxxflags, *ldflags;
	struct buf settings; /* -C values, space separated for backend_opts */
	struct strv index_urls, indexes;
	bool no_index;
	double timeout;
	struct cmd_target t;
	bool legacy_tag;
};

static bool is_url(const char *s)
{
	return str_startswith(s, "http://") || str_startswith(s, "https://") ||
		str_startswith(s, "file://");
}

static bool is_archive(const char *s)
{
	static const char *const exts[] = {".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar",
		".zip", ".tar.zst"};
	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_endswith(s, exts[i]))
			return true;
	return false;
}


/* the verified download of a URL in the source cache */
static char *fetch_url(const struct oot *o)
{
	struct fetch_item it = {.url = o->input, .sha256 = o->sha256};
	struct fetch_opts fo = {0};
	char *path = NULL;
	if (fetch_all(&it, 1, &fo)) {
		path = it.path;
		it.path = NULL;
	}
	fetch_item_clear(&it);
	return path;
}

static bool check_sha(const char *path, const char *want)
{
	char got[65];
	if (!hash_sha256_file(path, got)) {
		log_err("%s: %s", path, strerror(errno));
		return false;
	}
	if (strcasecmp(got, want) != 0) {
		log_err("%s: sha256 is %s, not %s", path, got, want);
		return false;
	}
	return true;
}

static bool same_path(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

/* copy the tree's top-level entries but the cache and the output directory, which
 * live inside the tree when kiln runs in it with the defaults (./cache, ./dist) */
static bool copy_source(const char *from, const char *to, const char *outdir)
{
	struct strv argv = {0};
	DIR *d = opendir(from);
	bool ok = false;
	if (!d || !mkdir_p(to, 0755)) {
		log_err("%s: %s", d ? to : from, strerror(errno));
		goto out;
	}
	strv_add(&argv, "cp");
	strv_add(&argv, "-a");
	size_t first = argv.n;
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = path_join(from, e->d_name);
		if (same_path(p, config_cache_dir()) || same_path(p, outdir))
			free(p);
		else
			strv_push(&argv, p);
	}
	strv_add(&argv, to);
	struct proc_opts po = proc_step_opts(NULL, NULL, -1, 0);
	int st = 0;
	ok = argv.n == first + 1 ||
		(proc_run((const char *const *)argv.v, &po, &st) && WIFEXITED(st) &&
			WEXITSTATUS(st) == 0);
	if (!ok)
		log_err("cannot copy %s to %s", from, to);
out:
	if (d)
		closedir(d);
	strv_free(&argv);
	return ok;
}

static void show_tail(const char *path, size_t lines)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return;
	log_err("the last lines of %s:\n%s", path, str_last_lines(text, len, lines));
	free(text);
}

static bool build(const struct oot *o, struct crossenv *ce, const char *work)
{
	char *src = path_join(work, "src"), *wheels = path_join(work, "wheel");
	char *post = path_join(work, "post"), *logpath = path_join(work, "build.log");
	char *archive = NULL, *pytag = NULL;
	struct strv env = {0};
	struct wheel_post_result res = {0};
	int log = -1;
	bool ok = false;

	if (is_url(o->input)) {
		if (!(archive = fetch_url(o)))
			goto out;
	} else if (path_is_dir(o->input)) {
		char *pp = path_join(o->input, "pyproject.toml"), *sp = path_join(o->input, "setup.py");
		bool tree = path_is_file(pp) || path_is_file(sp);
		free(pp);
		free(sp);
		if (!tree) {
			log_err("%s: not a Python source tree (no pyproject.toml or setup.py)", o->input);
			goto out;
		}
		if (!copy_source(o->input, src, o->outdir))
			goto out;
	} else if (path_is_file(o->input)) {
		if (!is_archive(o->input)) {
			log_err("%s: not a source tree or an sdist (.tar.gz, .zip, ...)", o->input);
			goto out;
		}
		if (o->sha256 && !check_sha(o->input, o->sha256))
			goto out;
		archive = xstrdup(o->input);
	} else {
		log_err("%s: %s", o->input, strerror(ENOENT));
		goto out;
	}
	if (archive && !srctree_prepare(archive, src, NULL, NULL, 0, NULL, 0, "."))
		goto out;
	if (!mkdir_p(wheels, 0755) ||
		(log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		log_err("%s: %s", work, strerror(errno));
		goto out;
	}

	pkgbuild_env(ce, NULL, o->exports, &env);
	pkgbuild_flags(&env, NULL, o->cflags, o->cxxflags, o->ldflags);
	if (pkgbuild_uses_rust(src) && !pkgbuild_rust_env(ce, &env))
		goto out;
	struct backend_opts bo = {
		.python = ce->host_python, .srcdir = src, .outdir = wheels,
		.backend_flags = o->settings.s, .cache_dir = config_cache_dir(), .env = env.v,
		.log_fd = log, .timeout = o->timeout,
	};
	log_info("building %s (log: %s)", o->input, logpath);
	if (!backend_build_wheel(&bo)) {
		show_tail(logpath, 25);
		goto out;
	}
	struct wheel_target t;
	pytag = pkgbuild_target(ce, &t);
	struct wheel_post_opts wo = {.target = &t, .work_dir = post, .dist_dir = o->outdir};
	if (!wheel_postprocess(wheels, &wo, &res) || !pkgbuild_check_wheel(ce, src, &res))
		goto out;
	printf("%s\n", res.wheel_path);
	ok = true;
out:
	if (log >= 0)
		close(log);
	if (!ok && res.wheel_path)
		unlink(res.wheel_path);
	wheel_post_result_free(&res);
	strv_free(&env);
	free(pytag);
	free(archive);
	free(src);
	free(wheels);
	free(post);
	free(logpath);
	return ok;
}

/* --exports: pyinit, requested, whole_archive or SYM,SYM... */
static bool set_exports(void *field, const char *value)
{
	const char *s = value;
	if (!*s || s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,"))
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || *p == ',' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9')))
			return false;
	*(const char **)field = value;
	return true;
}

/* -C KEY=VALUE, gathered space separated for backend_opts */
static bool add_setting(void *field, const char *value)
{
	struct buf *settings = field;
	if (!strchr(value, '=') || value[0] == '=' || value[strcspn(value, " \t\n")])
		return false;
	buf_printf(settings, "%s%s", settings->len ? " " : "", value);
	return true;
}

static const struct cmd_opt options[] = {
	{"outdir", 0, "DIR", "where the wheel goes (default dist)", CMD_STR(struct oot, outdir)},
	{"exports", 0, "POLICY", "pyinit (default), requested, whole_archive or SYM,SYM...",
		.at = CMD_AT(struct oot, exports, const char *), .set = set_exports,
		.bad = "is pyinit, requested, whole_archive or SYM,SYM..."},
	{"config-setting", 'C', "KEY=VALUE", "passed to the PEP 517 backend (repeatable)",
		.at = CMD_AT(struct oot, settings, struct buf), .set = add_setting,
		.bad = "needs KEY=VALUE without spaces"},
	{"sha256", 0, "HEX", "expected digest of the sdist (required for a URL)",
		CMD_SHA256(struct oot, sha256)},
	{"cflags", 0, "FLAGS", "added to the side-module C flags", CMD_STR(struct oot, cflags)},
	{"cxxflags", 0, "FLAGS", "added to the side-module C++ flags",
		CMD_STR(struct oot, cxxflags)},
	{"ldflags", 0, "FLAGS", "added to the side-module link flags",
		CMD_STR(struct oot, ldflags)},
	{"timeout", 0, "SECS", "kill the PEP 517 build when it runs longer",
		CMD_SECONDS(struct oot, timeout)},
	CMD_TARGET_OPTS(struct oot, t),
	{"legacy-platform-tag", 0, NULL, "tag the wheel pyodide_<abi>_wasm32 (the spelling\n"
		"before PEP 783) for ABI 2025_0 and later", CMD_FLAG(struct oot, legacy_tag)},
	INDEX_OPTS(struct oot, index_urls, no_index),
	{0},
};

static int run(int argc, char **argv)
{
	struct oot o = {.input = ".", .outdir = "dist", .exports = "pyinit"};
	int status = EXIT_USAGE;
	char *outdir = NULL;
	struct fetch_sdist sd = {0};
	if (!cmd_parse(&cmd_build, &argc, argv, &o))
		goto out;
	if (argc > 2) {
		cmd_usage_error(&cmd_build, "one source at a time ('%s' is extra)", argv[2]);
		goto out;
	}
	if (argc == 2)
		o.input = argv[1];
	if (is_url(o.input) && !o.sha256) {
		cmd_usage_error(&cmd_build, "a URL needs --sha256 (every download is verified)");
		goto out;
	}
	if (o.no_index && o.index_urls.n) {
		cmd_usage_error(&cmd_build, "--no-index and --index-url exclude each other");
		goto out;
	}
	if (!o.no_index)
		index_urls(&o.index_urls, &o.indexes);
	/* NAME==VERSION: the sdist from the index, before the cross environment is set up */
	if (!is_url(o.input) && !path_exists(o.input) && fetch_is_spec(o.input)) {
		status = EXIT_FAIL;
		if (!fetch_sdist(o.input, (const char *const *)o.indexes.v, o.indexes.n, &sd))
			goto out;
		o.input = sd.path;
	}

	status = EXIT_FAIL;
	if (!cmd_select_target(&o.t))
		goto out;
	outdir = path_absolute(o.outdir);
	o.outdir = outdir;
	struct crossenv ce = {0};
	/* the environment's paths are absolute when the cache's is */
	char *cache = mkdir_p(config_cache_dir(), 0755) ? realpath(config_cache_dir(), NULL) : NULL;
	if (!cache) {
		log_err("%s: %s", config_cache_dir(), strerror(errno));
		goto out;
	}
	setenv("KILN_CACHE", cache, 1);
	if (!crossenv_setup(NULL, NULL, &ce)) {
		free(cache);
		goto out;
	}
	ce.legacy_tag = o.legacy_tag;
	char *work = path_join(cache, "work/oot-XXXXXX");
	char *parent = path_dirname(work);
	if (!mkdir_p(parent, 0755) || !mkdtemp(work)) {
		log_err("%s: %s", work, strerror(errno));
	} else if (build(&o, &ce, work)) {
		remove_tree(work);
		status = EXIT_OK;
	} else {
		log_err("kept the build directory %s", work);
	}
	free(parent);
	free(work);
	free(cache);
	crossenv_free(&ce);
out:
	fetch_sdist_free(&sd);
	buf_free(&o.settings);
	strv_free(&o.index_urls);
	strv_free(&o.indexes);
	free(outdir);
	return status;
}

const struct kiln_cmd cmd_build = {
	.name = "build",
	.run = run,
	.summary = "build one package from a source tree, sdist, URL or index (no recipe) into dist/",
	.synopsis = "build [OPTIONS] [DIR|SDIST|URL|NAME[==VERSION]]",
	.details = "The source (default: the current directory) is copied or unpacked into\n"
		   "<cache>/work/oot-*, built for the Pyodide target, retagged and checked; the\n"
		   "wheel's path is printed. `kiln lockfile add-wheels --dist DIR WHEEL` makes it\n"
		   "loadable through pyodide-lock.json. NAME==VERSION (or NAME: the newest final\n"
		   "release) takes the sdist from the package index, verified against the sha256\n"
		   "the index lists (a file or directory of that name wins).",
	.opts = options,
};

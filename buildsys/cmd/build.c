#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifact/wheel.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "build/backend.h"
#include "build/cache.h"
#include "build/fetch.h"
#include "build/index.h"
#include "build/pkgbuild.h"
#include "build/remote.h"
#include "build/srctree.h"
#include "cmd/cmd.h"
#include "toolchain/crossenv.h"
#include "toolchain/crossenv_setup.h"
#include "version.h"

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
	struct cmd_remote remote;
	struct remote *store; /* opened when remote.url is set */
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

/* ---------- the cache of an sdist's build, with a remote cache ----------
 * The wheel of an sdist (a file, a URL or NAME==VERSION) is a cache entry like a recipe's,
 * <cache>/builds/<sdist file name>/<key>/, looked up locally and then in the store, and
 * uploaded once built: remote_lookup and remote_put_entry, as build-recipes does. */

static void key_add_str(struct cache_key *k, const char *label, const char *v)
{
	cache_key_add(k, label, v ? v : "", v ? strlen(v) : 0);
}

/* every input of the wheel: the sdist's bytes, the cross environment, the options */
static bool oot_key(const struct oot *o, const struct crossenv *ce, const char *archive,
	struct cache_key *k)
{
	key_add_str(k, "kiln", KILN_VERSION);
	if (!cache_key_add_file(k, "sdist", archive))
		return false;
	key_add_str(k, "crossenv", ce->id);
	key_add_str(k, "platform-tag", crossenv_wheel_tag(ce));
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch)
		key_add_str(k, "SOURCE_DATE_EPOCH", epoch);
	key_add_str(k, "exports", o->exports);
	key_add_str(k, "config-settings", o->settings.s);
	key_add_str(k, "cflags", o->cflags);
	key_add_str(k, "cxxflags", o->cxxflags);
	key_add_str(k, "ldflags", o->ldflags);
	cache_key_final(k);
	return true;
}

static bool is_wheel(const char *rel, const struct stat *st, void *ctx)
{
	if (S_ISREG(st->st_mode) && !strchr(rel, '/') && str_endswith(rel, ".whl"))
		*(char **)ctx = xstrdup(rel);
	return true;
}

/* the entry's wheel copied into outdir; its path is printed */
static bool wheel_from_entry(const struct oot *o, const char *entry)
{
	char *name = NULL;
	walk_tree(entry, is_wheel, &name);
	char *from = name ? path_join(entry, name) : NULL;
	char *to = name ? path_join(o->outdir, name) : NULL;
	size_t len = 0;
	char *data = from ? read_file(from, &len) : NULL;
	bool ok = data && mkdir_p(o->outdir, 0755) && write_file_atomic(to, data, len);
	if (ok)
		printf("%s\n", to);
	else
		log_err("cannot copy the wheel of %s to %s: %s", entry, o->outdir,
			name ? strerror(errno) : "no wheel in the entry");
	free(data);
	free(from);
	free(to);
	free(name);
	return ok;
}

/* the built wheel as the entry of name/k, uploaded to the store */
static void wheel_into_cache(const struct oot *o, const char *name, const struct cache_key *k,
	const char *wheel)
{
	int lock = -1;
	char *stage = cache_stage(config_cache_dir(), name, &lock);
	char *to = stage ? path_join(stage, path_basename(wheel)) : NULL;
	size_t len = 0;
	char *data = stage ? read_file(wheel, &len) : NULL;
	char *entry = NULL;
	if (data && write_file_atomic(to, data, len))
		entry = cache_publish(config_cache_dir(), name, k, stage);
	else if (stage)
		log_warn("cannot keep %s in the cache: %s", wheel, strerror(errno));
	if (!entry && stage)
		remove_tree(stage);
	if (entry && o->store && remote_put_entry(o->store, name, k->hex, entry) == REMOTE_HIT)
		log_info("%s: uploaded (%s)", name, o->store->shown);
	if (lock >= 0)
		close(lock);
	free(entry);
	free(data);
	free(to);
	free(stage);
}

/* the source: a copy of a tree in src, or *archive (an sdist, verified) */
static bool take_source(const struct oot *o, const char *src, char **archive)
{
	*archive = NULL;
	if (is_url(o->input))
		return (*archive = fetch_url(o)) != NULL;
	if (path_is_dir(o->input)) {
		char *pp = path_join(o->input, "pyproject.toml"), *sp = path_join(o->input, "setup.py");
		bool tree = path_is_file(pp) || path_is_file(sp);
		free(pp);
		free(sp);
		if (!tree) {
			log_err("%s: not a Python source tree (no pyproject.toml or setup.py)", o->input);
			return false;
		}
		return copy_source(o->input, src, o->outdir);
	}
	if (path_is_file(o->input)) {
		if (!is_archive(o->input)) {
			log_err("%s: not a source tree or an sdist (.tar.gz, .zip, ...)", o->input);
			return false;
		}
		if (o->sha256 && !check_sha(o->input, o->sha256))
			return false;
		*archive = xstrdup(o->input);
		return true;
	}
	log_err("%s: %s", o->input, strerror(ENOENT));
	return false;
}

/* the PEP 517 build of src into a checked wheel in outdir (res) */
static bool build_src(const struct oot *o, struct crossenv *ce, const char *work,
	const char *src, struct wheel_post_result *res)
{
	char *wheels = path_join(work, "wheel"), *post = path_join(work, "post");
	char *logpath = path_join(work, "build.log"), *pytag = NULL;
	struct strv env = {0};
	int log = -1;
	bool ok = false;
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
	ok = wheel_postprocess(wheels, &wo, res) && pkgbuild_check_wheel(ce, src, res);
out:
	if (log >= 0)
		close(log);
	strv_free(&env);
	free(pytag);
	free(wheels);
	free(post);
	free(logpath);
	return ok;
}

static bool build(const struct oot *o, struct crossenv *ce, const char *work)
{
	char *src = path_join(work, "src"), *archive = NULL, *entry = NULL;
	const char *name = NULL;
	struct wheel_post_result res = {0};
	struct cache_key k = {0};
	bool ok = false, hit = false;
	if (!take_source(o, src, &archive))
		goto out;
	/* with a remote cache, an sdist's wheel is looked up, and kept once built */
	if (archive && o->store) {
		name = path_basename(archive);
		if (!oot_key(o, ce, archive, &k))
			goto out;
		entry = remote_lookup(o->store, config_cache_dir(), name, &k, &hit);
		if (entry) {
			log_info("%s: %s (%s)", name, hit ? "remote hit" : "local hit",
				hit ? o->store->shown : entry);
			ok = wheel_from_entry(o, entry);
			goto out;
		}
	}
	if (archive && !srctree_prepare(archive, src, NULL, NULL, 0, NULL, 0, "."))
		goto out;
	if (!build_src(o, ce, work, src, &res))
		goto out;
	printf("%s\n", res.wheel_path);
	if (name)
		wheel_into_cache(o, name, &k, res.wheel_path);
	ok = true;
out:
	if (!ok && res.wheel_path)
		unlink(res.wheel_path);
	wheel_post_result_free(&res);
	cache_key_free(&k);
	free(entry);
	free(archive);
	free(src);
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
	CMD_REMOTE_OPTS(struct oot, remote),
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
	if (!cmd_remote_cache(&cmd_build, &o.remote))
		goto out;
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
	struct remote store = {0};
	if (o.remote.url && remote_open(&store, o.remote.url, !o.remote.read_only, cache))
		o.store = &store;
	char *work = path_join(cache, "work/oot-XXXXXX");
	char *parent = path_dirname(work);
	if (o.remote.url && !o.store) {
		/* reported by remote_open */
	} else if (!mkdir_p(parent, 0755) || !mkdtemp(work)) {
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
	remote_close(&store);
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
		   "the index lists (a file or directory of that name wins). With a remote cache\n"
		   "(--remote-cache, docs/remote-cache.md) the wheel of an sdist is looked up in\n"
		   "the local cache and the store by the sdist's sha256, the cross environment\n"
		   "and the options, and uploaded once built.",
	.opts = options,
};

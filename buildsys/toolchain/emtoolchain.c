#include "toolchain/emtoolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/util.h"
#include "toolchain/debpkg.h"

/* data.tar.xz of the 3.1.69 .deb is 237 MB */
#define EMTC_DATA_MAX ((size_t)1 << 30)
#define EMTC_ROOT "./usr/share/emscripten/"
#define EMTC_SOURCE "kiln-source"

/* left out of the unpacked tree: the test suite, documentation, LTO system libraries */
static const char *const skipped[] = {"test/", "docs/", "site/", "media/",
	"cache/sysroot/lib/wasm32-emscripten/lto/", "cache/sysroot/lib/wasm32-emscripten/lto-pic/"};

/* the binaryen tools emcc 3.1.69 runs */
static const char *const binaryen_tools[] = {"wasm-opt", "wasm-metadce", "wasm-split",
	"wasm-ctor-eval", "wasm2js", "wasm-dis", "wasm-as"};

bool emtc_lookup(const char *version, struct debpkg *deb)
{
	const char *names[] = {EMTC_PACKAGE, NULL};
	int found = debpkg_lookup(EMTC_PACKAGE, names, true, version, deb);
	if (found == 0)
		log_err("apt knows no %s %s: the Debian suite that has it (trixie) must be in apt's "
			"sources (ci/setup adds it at pin priority 1; then apt-get update), or set "
			"EMSDK to an emsdk", EMTC_PACKAGE, version);
	return found == 1;
}

/* ---- unpacking ---- */

struct tree_walk {
	const char *origin;
	const char *dest;
	size_t files;
};

static enum arc_step tree_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct tree_walk *w = ctx;
	const char *name = archive_entry_pathname(e);
	if (!name || !str_startswith(name, EMTC_ROOT))
		return ARC_NEXT;
	const char *rest = name + strlen(EMTC_ROOT);
	if (!*rest)
		return ARC_NEXT;
	for (size_t i = 0; i < ARRAY_LEN(skipped); i++)
		if (str_startswith(rest, skipped[i]))
			return ARC_NEXT;
	if (!path_is_plain_relative(rest)) {
		log_err("%s: %s: an unsafe name", w->origin, name);
		return ARC_FAIL;
	}
	char *out = path_join(w->dest, rest);
	bool ok = true;
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFDIR) {
		ok = mkdir_p(out, 0755);
		if (!ok)
			log_err("cannot create %s: %s", out, strerror(errno));
	} else if (type == AE_IFREG && !archive_entry_hardlink(e)) {
		char *dir = path_dirname(out);
		ok = mkdir_p(dir, 0755) &&
			arc_entry_to_file(a, w->origin, out, (archive_entry_perm(e) & 0111) ? 0755 : 0644);
		free(dir);
		w->files++;
	} else {
		log_err("%s: %s: not a regular file or directory (kiln unpacks only those)",
			w->origin, name);
		ok = false;
	}
	free(out);
	return ok ? ARC_NEXT : ARC_FAIL;
}

static bool write_text(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char *p = path_join(dir, rel);
	char *d = path_dirname(p);
	bool ok = mkdir_p(d, 0755) && write_file_atomic(p, text, strlen(text)) &&
		chmod(p, mode) == 0;
	if (!ok)
		log_err("cannot write %s: %s", p, strerror(errno));
	free(d);
	free(p);
	return ok;
}

static bool link_to(const char *target, const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	bool ok = mkdir_p(dir, 0755) && symlink(target, p) == 0;
	if (!ok)
		log_err("cannot create %s: %s", p, strerror(errno));
	free(p);
	return ok;
}

/* binaryen/bin: this machine's binaryen tools; wasm-emscripten-finalize of binaryen before
 * 117 prints the module's metadata on stdout unless told not to, which 3.1.69 never says
 * (it reads the metadata itself): every link would print a JSON object */
static bool write_binaryen(const char *dest)
{
	char *bin = path_join(dest, "binaryen/bin");
	char *fin = proc_which("wasm-emscripten-finalize", NULL);
	bool ok = fin != NULL;
	if (!ok)
		log_err("no wasm-emscripten-finalize on PATH: install Debian's binaryen");
	for (size_t i = 0; i < ARRAY_LEN(binaryen_tools) && ok; i++) {
		char *t = proc_which(binaryen_tools[i], NULL);
		if (t)
			ok = link_to(t, bin, binaryen_tools[i]);
		free(t);
	}
	if (ok) {
		char *sh = xasprintf("#!/bin/sh\n# written by kiln: no metadata on stdout\n"
				     "exec '%s' --no-emit-metadata \"$@\"\n", fin);
		ok = write_text(bin, "wasm-emscripten-finalize", sh, 0755);
		free(sh);
	}
	free(fin);
	free(bin);
	return ok;
}

/* the config emcc reads from beside emcc.py, and what its JS tools import: written into
 * dest for the tree that will be at final */
static bool configure(const char *dest, const char *final)
{
	char *node = proc_which("node", NULL);
	if (!node) {
		log_err("no node on PATH: Emscripten needs Node.js");
		return false;
	}
	char *conf = xasprintf("# written by kiln\nLLVM_ROOT = '/usr/lib/llvm-19/bin'\n"
			       "BINARYEN_ROOT = '%s/binaryen'\nNODE_JS = '%s'\n"
			       "FROZEN_CACHE = True\n", final, node);
	bool ok = write_text(dest, ".emscripten", conf, 0644) && write_binaryen(dest);
	free(conf);
	free(node);
	char *mods = path_join(dest, "node_modules");
	if (ok && path_is_dir("/usr/share/nodejs/acorn"))
		ok = link_to("/usr/share/nodejs/acorn", mods, "acorn");
	else if (ok)
		log_warn("no /usr/share/nodejs/acorn (Debian's node-acorn): optimised links of "
			"programs (not side modules) will fail");
	free(mods);
	return ok;
}

bool emtc_unpack(const char *path, const char *dest)
{
	struct buf data = {0};
	char *member = NULL;
	if (!debpkg_data(path, EMTC_DATA_MAX, &data, &member))
		return false;
	char *origin = xasprintf("%s!%s", path, member);
	struct tree_walk w = {.origin = origin, .dest = dest};
	const struct arc_source src = {
		.data = data.s ? data.s : "",
		.len = data.len,
		.origin = origin,
		.formats = ARC_TAR,
		.warnings_fail = true,
	};
	bool ok = mkdir_p(dest, 0755) && arc_each(&src, tree_entry, &w);
	char *emcc = path_join(dest, "emcc.py");
	if (ok && !path_is_file(emcc)) {
		log_err("%s: no usr/share/emscripten/emcc.py in it (not Emscripten)", path);
		ok = false;
	}
	free(emcc);
	free(origin);
	free(member);
	buf_free(&data);
	return ok;
}

/* ---- the cache ---- */

static bool fetch(const char *version, const char *tmp, const char *final)
{
	struct debpkg deb;
	char *dl = path_join(tmp, "deb"), *tree = path_join(tmp, "emscripten");
	char *path = NULL;
	bool ok = false;
	if (!emtc_lookup(version, &deb))
		goto out;
	log_info("fetching Debian's %s %s (%s)", EMTC_PACKAGE, deb.version, deb.filename);
	if (!mkdir_p(dl, 0755)) {
		log_err("cannot create %s: %s", dl, strerror(errno));
		goto out;
	}
	if (!(path = debpkg_download(&deb, dl)) || !emtc_unpack(path, tree))
		goto out;
	/* the config names the final place */
	char *fdir = path_join(final, "emscripten");
	ok = configure(tree, fdir);
	free(fdir);
	char *src = xasprintf("package=%s\nversion=%s\nsha256=%s\nfilename=%s\n", EMTC_PACKAGE,
		deb.version, deb.sha256, deb.filename);
	ok = ok && write_text(tmp, EMTC_SOURCE, src, 0644);
	free(src);
out:
	if (path)
		unlink(path);
	remove_tree(dl);
	free(path);
	free(dl);
	free(tree);
	debpkg_free(&deb);
	return ok;
}

char *emtc_get(const char *version, const char *cache_dir)
{
	char *root = path_join(cache_dir, "toolchains");
	char *final = xasprintf("%s/emscripten-%s", root, version);
	char *emcc = xasprintf("%s/emscripten/emcc", final);
	char *src = path_join(final, EMTC_SOURCE);
	char *tmp = NULL;
	bool ok = path_is_file(src) && access(emcc, X_OK) == 0;
	if (ok)
		goto out;
	tmp = xasprintf("%s/.tmp-emscripten-%s-%ld", root, version, (long)getpid());
	remove_tree(tmp);
	if (!mkdir_p(tmp, 0755)) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (!fetch(version, tmp, final))
		goto out;
	if (rename(tmp, final) != 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			log_err("cannot rename %s to %s: %s", tmp, final, strerror(errno));
			goto out;
		}
		/* unpacked concurrently by someone else: theirs is as good */
	}
	ok = true;
out:
	if (tmp)
		remove_tree(tmp);
	free(tmp);
	free(src);
	free(final);
	free(root);
	if (!ok) {
		free(emcc);
		emcc = NULL;
	}
	return emcc;
}

char *emtc_emcc_for(const char *abi_version)
{
	const char *emsdk = getenv("EMSDK");
	if (emsdk && *emsdk) {
		char *p = xasprintf("%s/upstream/emscripten/emcc", emsdk);
		if (access(p, X_OK) == 0)
			return p;
		log_warn("EMSDK=%s has no upstream/emscripten/emcc; not using it", emsdk);
		free(p);
	}
	if (abi_version && *abi_version)
		return emtc_get(EMTC_DEBIAN_VERSION, config_cache_dir());
	char *emcc = proc_which("emcc", NULL);
	if (!emcc)
		log_err("emcc not found on PATH (and no EMSDK): install Debian's 'emscripten' "
			"or activate an emsdk");
	return emcc;
}

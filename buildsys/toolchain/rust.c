#include "toolchain/rust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arcread.h"
#include "base/config.h"
#include "base/hash.h"
#include "base/lib_archive.h"
#include "base/log.h"
#include "base/proc.h"
#include "toolchain/abi.h"
#include "toolchain/argv.h"
#include "toolchain/crossenv.h"
#include "toolchain/debpkg.h"
#include "toolchain/wasm.h"

/* what goes into the id of a standard library build besides its inputs */
#define RUST_SYSROOT_FORMAT "kiln-rust-sysroot 1"
/* the compressed data.tar of rust-src is about 46 MB */
#define RUST_SRC_DATA_MAX ((size_t)512 << 20)
/* The code features: LLVM 20 and later default to a CPU whose features (bulk-memory-opt,
 * call-indirect-overlong) the toolchains' binaryen (Debian's 108) rejects when emcc passes
 * them on to wasm-opt; the MVP with the features every runtime has is what C code gets. */
#define RUST_CPU_FLAGS "-Ctarget-cpu=mvp -Ctarget-feature=+mutable-globals,+sign-ext," \
	"+nontrapping-fptoint,+multivalue"
/* std's features: unwinding panics; no backtrace symbolisation (gimli, addr2line,
 * miniz_oxide: about 6 KB of a small module, and nothing in Pyodide reads a backtrace);
 * std's smaller algorithms */
#define RUST_STD_FEATURES "panic-unwind,optimize_for_size"
/* the first Rust with -Zemscripten-wasm-eh (wasm exceptions for the emscripten target) */
#define RUST_WASM_EH_MINOR 86

/* ---- the compiler ---- */

void rust_toolchain_free(struct rust_toolchain *tc)
{
	free(tc->toolchain);
	free(tc->release);
	free(tc->host);
	free(tc->identity);
	free(tc->src_version);
	memset(tc, 0, sizeof(*tc));
}

/* the value of "name: value" in rustc -vV's text, newly allocated */
static char *vv_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, name, n) == 0 && l[n] == ':' && l[n + 1] == ' ')
			return xstrndup(l + n + 2, strcspn(l + n + 2, "\n"));
	return NULL;
}

/* run rustc -vV of toolchain (NULL: the default); false with why into *why */
static bool probe(const char *toolchain, struct rust_toolchain *tc, char **why)
{
	char *set_tc = toolchain ? xasprintf("RUSTUP_TOOLCHAIN=%s", toolchain) : NULL;
	const char *env_set[] = {"RUSTUP_AUTO_INSTALL=0", set_tc, NULL};
	const char *argv[] = {"rustc", "-vV", NULL};
	struct buf out = {0}, err = {0};
	struct proc_opts o = {
		.env_set = env_set,
		.in = {PROC_NULL},
		.out = {PROC_PIPE, .buf = &out},
		.err = {PROC_PIPE, .buf = &err},
		.timeout = 60,
		.shell_127 = true,
	};
	int st = -1;
	bool ok = false;
	memset(tc, 0, sizeof(*tc));
	if (!proc_run(argv, &o, &st) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		/* the first line: rustup's own message comes before its backtrace */
		*why = xasprintf("`rustc -vV` failed: %.*s", err.s ? (int)strcspn(err.s, "\n") : 9,
			err.s ? err.s : "no output");
		goto out;
	}
	tc->identity = xstrdup(out.s ? out.s : "");
	tc->release = vv_field(tc->identity, "release");
	tc->host = vv_field(tc->identity, "host");
	if (!tc->release || !tc->host ||
		sscanf(tc->release, "%d.%d", &tc->major, &tc->minor) != 2) {
		*why = xstrdup("`rustc -vV` printed no release and host");
		goto out;
	}
	tc->nightly = strstr(tc->release, "nightly") || strstr(tc->release, "dev");
	tc->toolchain = toolchain ? xstrdup(toolchain) : NULL;
	ok = true;
out:
	if (!ok)
		rust_toolchain_free(tc);
	free(set_tc);
	buf_free(&out);
	buf_free(&err);
	return ok;
}

/* the Debian rust-src of the compiler's major.minor: 1 found, 0 none, -1 apt failed */
static int find_src(const struct rust_toolchain *tc, struct debpkg *deb)
{
	char *want = xasprintf("%d.%d.", tc->major, tc->minor);
	const char *names[] = {"rust-src", NULL};
	int found = debpkg_lookup("rust-src", names, true, want, deb);
	free(want);
	return found;
}

bool rust_toolchain_find(struct rust_toolchain *tc)
{
	const char *pick = getenv("KILN_RUST_TOOLCHAIN");
	if (!pick || !*pick)
		pick = getenv("RUSTUP_TOOLCHAIN");
	const char *cands[] = {pick && *pick ? pick : NULL, pick && *pick ? NULL : "nightly"};
	size_t ncands = pick && *pick ? 1 : 2;
	struct buf tried = {0};
	for (size_t i = 0; i < ncands; i++) {
		char *why = NULL;
		const char *name = cands[i] ? cands[i] : "the default toolchain";
		if (!probe(cands[i], tc, &why)) {
			buf_printf(&tried, "\n  %s: %s", name, why);
			free(why);
			continue;
		}
		struct debpkg deb;
		int found = find_src(tc, &deb);
		if (found == 1) {
			tc->src_version = xstrdup(deb.version);
			debpkg_free(&deb);
			buf_free(&tried);
			return true;
		}
		buf_printf(&tried, "\n  %s: rustc %s, but apt has no rust-src %d.%d.* (the "
				   "standard library for " RUST_TARGET " is built from the "
				   "sources of the compiler's own release)",
			name, tc->release, tc->major, tc->minor);
		rust_toolchain_free(tc);
		if (found < 0)
			break;
	}
	log_err("no Rust compiler for " RUST_TARGET " (set KILN_RUST_TOOLCHAIN to a rustup "
		"toolchain):%s", tried.s ? tried.s : "");
	buf_free(&tried);
	return false;
}

/* ---- the standard library ---- */

static bool wasm_eh(const struct crossenv *ce)
{
	return crossenv_wasm_eh(ce);
}

/* the rustc flags of the target's exception model; NULL (reported) when rustc has none */
static const char *eh_flag(const struct crossenv *ce, const struct rust_toolchain *tc)
{
	bool old = tc->major == 1 && tc->minor < RUST_WASM_EH_MINOR;
	if (wasm_eh(ce) && old) {
		log_err("rustc %s cannot build for Pyodide %s (ABI %s): it has no "
			"-Zemscripten-wasm-eh (Rust 1.%d), and the ABI needs wasm exceptions",
			tc->release, ce->pyodide_version, ce->abi_version, RUST_WASM_EH_MINOR);
		return NULL;
	}
	if (old)
		return ""; /* JavaScript exceptions were the only model */
	return wasm_eh(ce) ? "-Zemscripten-wasm-eh=true" : "-Zemscripten-wasm-eh=false";
}

struct src_walk {
	const char *origin, *dest;
	size_t files;
};

/* usr/src/rustc-VERSION/library/... of rust-src into dest/library */
static enum arc_step src_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct src_walk *w = ctx;
	const char *name = archive_entry_pathname(e);
	if (name && str_startswith(name, "./"))
		name += 2;
	if (!name || !str_startswith(name, "usr/src/rustc-"))
		return ARC_NEXT;
	const char *rest = strchr(name + strlen("usr/src/rustc-"), '/');
	if (!rest || !str_startswith(rest + 1, "library/"))
		return ARC_NEXT;
	rest++;
	mode_t type = archive_entry_filetype(e);
	if (type != AE_IFDIR && type != AE_IFREG)
		return ARC_NEXT; /* the std build needs no links */
	if (!path_is_plain_relative(rest)) {
		log_err("%s: %s: an unsafe name", w->origin, name);
		return ARC_FAIL;
	}
	char *out = path_join(w->dest, rest), *dir = path_dirname(out);
	bool ok = type == AE_IFDIR ? mkdir_p(out, 0755) : mkdir_p(dir, 0755);
	if (!ok)
		log_err("cannot create %s: %s", type == AE_IFDIR ? out : dir, strerror(errno));
	if (ok && type == AE_IFREG) {
		ok = arc_entry_to_file(a, w->origin, out, 0644);
		w->files++;
	}
	free(dir);
	free(out);
	return ok ? ARC_NEXT : ARC_FAIL;
}

static bool fetch_src(const struct rust_toolchain *tc, const char *tmp, const char *dest)
{
	struct debpkg deb;
	const char *names[] = {"rust-src", NULL};
	struct buf data = {0};
	char *dl = path_join(tmp, "deb"), *path = NULL, *member = NULL, *origin = NULL;
	bool ok = false;
	if (debpkg_lookup("rust-src", names, true, tc->src_version, &deb) != 1) {
		log_err("apt has no rust-src %s any more", tc->src_version);
		goto out;
	}
	log_info("rust: fetching rust-src %s for rustc %s", deb.version, tc->release);
	if (!mkdir_p(dl, 0755) || !(path = debpkg_download(&deb, dl)) ||
		!debpkg_data(path, RUST_SRC_DATA_MAX, &data, &member))
		goto out;
	origin = xasprintf("%s!%s", path, member);
	struct src_walk w = {.origin = origin, .dest = dest};
	const struct arc_source src = {.data = data.s ? data.s : "", .len = data.len,
		.origin = origin, .formats = ARC_TAR, .warnings_fail = true};
	ok = arc_each(&src, src_entry, &w);
	if (ok && w.files == 0) {
		log_err("%s: no usr/src/rustc-*/library in it", path);
		ok = false;
	}
out:
	if (path)
		unlink(path);
	debpkg_free(&deb);
	buf_free(&data);
	free(dl);
	free(path);
	free(member);
	free(origin);
	return ok;
}

static bool put(const char *dir, const char *rel, const char *text)
{
	char *p = path_join(dir, rel), *d = path_dirname(p);
	bool ok = mkdir_p(d, 0755) && write_file_atomic(p, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", p, strerror(errno));
	free(d);
	free(p);
	return ok;
}

/* an empty no_std crate whose build with -Zbuild-std compiles the standard library; its
 * dependencies (std's) from the vendored sources of rust-src, offline */
static bool write_crate(const char *crate, const char *library)
{
	char *config = xasprintf("[source.crates-io]\nreplace-with = \"rust-src-vendor\"\n"
				 "[source.rust-src-vendor]\ndirectory = \"%s/vendor\"\n", library);
	bool ok = put(crate, "Cargo.toml",
		      "[package]\nname = \"kiln-sysroot\"\nversion = \"0.0.0\"\n"
		      "edition = \"2021\"\n[lib]\npath = \"lib.rs\"\n"
		      "[profile.release]\nopt-level = \"s\"\ncodegen-units = 1\n"
		      "debug = false\npanic = \"unwind\"\n") &&
		  put(crate, "lib.rs", "#![no_std]\n") && put(crate, ".cargo/config.toml", config);
	free(config);
	return ok;
}

static bool run_cargo(const struct crossenv *ce, const struct rust_toolchain *tc,
	const char *tmp, const char *library)
{
	const char *eh = eh_flag(ce, tc);
	if (!eh)
		return false;
	char *crate = path_join(tmp, "crate"), *log = path_join(tmp, "cargo.log");
	char *manifest = path_join(crate, "Cargo.toml");
	char *e_tc = tc->toolchain ? xasprintf("RUSTUP_TOOLCHAIN=%s", tc->toolchain) : NULL;
	char *e_src = xasprintf("__CARGO_TESTS_ONLY_SRC_ROOT=%s", library);
	char *e_home = xasprintf("CARGO_HOME=%s/cargo-home", tmp);
	char *e_target = xasprintf("CARGO_TARGET_DIR=%s/target", tmp);
	/* bitcode in every rlib, so that a package's LTO can take in the standard library */
	char *e_flags = xasprintf("RUSTFLAGS=-Cembed-bitcode=yes " RUST_CPU_FLAGS " %s", eh);
	const char *path = getenv("PATH");
	char *e_path = xasprintf("PATH=%s/bin:%s", tmp, path ? path : "/usr/bin:/bin");
	char *emcc = crossenv_path(ce, "bin/emcc"), *e_emcc = xasprintf("KILN_RUST_EMCC=%s", emcc);
	const char *env_set[] = {"RUSTC_BOOTSTRAP=1", "RUSTUP_AUTO_INSTALL=0", "CARGO_BUILD_TARGET=",
		e_src, e_home, e_target, e_flags, e_path, e_emcc, e_tc, NULL};
	const char *argv[] = {"cargo", "build", "--release", "--offline", "--manifest-path",
		manifest, "--target", RUST_TARGET, "-Zbuild-std=std,panic_unwind,panic_abort",
		"-Zbuild-std-features=" RUST_STD_FEATURES, NULL};
	bool ok = write_crate(crate, library);
	int st = -1;
	if (ok) {
		log_info("rust: building the standard library of rustc %s for " RUST_TARGET
			 " (%s exceptions)", tc->release, wasm_eh(ce) ? "wasm" : "JavaScript");
		struct proc_opts o = proc_step_opts(crate, NULL, -1, 3600); /* its .cargo/config.toml */
		o.env_set = env_set;
		o.out = (struct proc_stream){PROC_FILE, .path = log};
		o.err = (struct proc_stream){PROC_AS_OUT};
		ok = proc_run(argv, &o, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!ok) {
			size_t len = 0;
			char *text = read_file(log, &len);
			log_err("cargo -Zbuild-std for rustc %s with rust-src %s failed:\n%s",
				tc->release, tc->src_version,
				text ? str_last_lines(text, len, 20) : "(no log)");
			free(text);
		}
	}
	free(crate);
	free(log);
	free(manifest);
	free(e_tc);
	free(e_src);
	free(e_home);
	free(e_target);
	free(e_flags);
	free(e_path);
	free(emcc);
	free(e_emcc);
	return ok;
}

/* the standard library's rlibs from the build into sysroot/lib/rustlib/TARGET/lib */
static bool move_rlibs(const char *tmp, const char *sysroot)
{
	char *deps = path_join(tmp, "target/" RUST_TARGET "/release/deps");
	char *lib = path_join(sysroot, "lib/rustlib/" RUST_TARGET "/lib");
	DIR *d = opendir(deps);
	size_t n = 0;
	bool ok = d && mkdir_p(lib, 0755);
	if (!ok)
		log_err("cannot read %s or create %s: %s", deps, lib, strerror(errno));
	for (struct dirent *e; ok && (e = readdir(d));) {
		if (!str_endswith(e->d_name, ".rlib") || str_startswith(e->d_name, "libkiln_sysroot"))
			continue;
		char *from = path_join(deps, e->d_name), *to = path_join(lib, e->d_name);
		ok = rename(from, to) == 0;
		if (!ok)
			log_err("cannot move %s: %s", from, strerror(errno));
		n++;
		free(from);
		free(to);
	}
	if (ok && n == 0) {
		log_err("%s: the standard library build left no rlibs", deps);
		ok = false;
	}
	if (d)
		closedir(d);
	free(deps);
	free(lib);
	return ok;
}

static char *sysroot_id(const struct crossenv *ce, const struct rust_toolchain *tc)
{
	char *key = xasprintf("%s\n%s%s\n%s\n%s\nemscripten %s\n", RUST_SYSROOT_FORMAT,
		tc->identity, tc->src_version, wasm_eh(ce) ? "wasm-eh" : "js-eh",
		RUST_CPU_FLAGS " " RUST_STD_FEATURES,
		ce->runtime_emsdk);
	char hex[65];
	hash_sha256_hex(key, strlen(key), hex);
	free(key);
	return xstrndup(hex, 16);
}

/* bin/emcc of the sysroot: the libc crate's build script takes its struct layouts
 * (emscripten_old_stat_abi before 3.1.42) from `emcc -dumpversion`, which must be the
 * runtime's Emscripten, not the toolchain's; everything else goes to $KILN_RUST_EMCC */
static bool write_emcc(const struct crossenv *ce, const char *dir)
{
	char *text = xasprintf("#!/bin/sh\n# written by kiln (docs/rust.md): the runtime's "
			       "Emscripten for the libc crate\n"
			       "if [ $# = 1 ] && [ \"$1\" = -dumpversion ]; then echo %s; exit 0; fi\n"
			       "exec \"$KILN_RUST_EMCC\" \"$@\"\n", ce->runtime_emsdk);
	char *p = path_join(dir, "bin/emcc");
	bool ok = put(dir, "bin/emcc", text) && chmod(p, 0755) == 0;
	if (!ok)
		log_err("cannot write %s: %s", p, strerror(errno));
	free(p);
	free(text);
	return ok;
}

static bool build_sysroot(const struct crossenv *ce, const struct rust_toolchain *tc,
	const char *tmp)
{
	char *src = path_join(tmp, "src"), *library = path_join(src, "library");
	char *sysroot = path_join(tmp, "sysroot");
	char *stamp = xasprintf("rustc %s\nrust-src %s\ntarget %s\nexceptions %s\n", tc->release,
		tc->src_version, RUST_TARGET, wasm_eh(ce) ? "wasm" : "javascript");
	bool ok = write_emcc(ce, tmp) && fetch_src(tc, tmp, src) && run_cargo(ce, tc, tmp, library) &&
		  move_rlibs(tmp, sysroot) && put(tmp, "sysroot.txt", stamp);
	free(src);
	free(library);
	free(sysroot);
	free(stamp);
	return ok;
}

/* the build's leftovers (sources, cargo's target and home) */
static void prune(const char *tmp)
{
	static const char *const parts[] = {"src", "target", "crate", "cargo-home", "deb"};
	for (size_t i = 0; i < ARRAY_LEN(parts); i++) {
		char *p = path_join(tmp, parts[i]);
		remove_tree(p);
		free(p);
	}
}

char *rust_sysroot_ensure(const struct crossenv *ce, const struct rust_toolchain *tc)
{
	char *root = path_join(config_cache_dir(), "rust-sysroot");
	char *id = sysroot_id(ce, tc), *dir = path_join(root, id);
	char *lockp = path_join(root, ".lock"), *done = path_join(dir, "sysroot.txt");
	char *tmp = NULL, *sysroot = NULL;
	int lock = -1;
	if (eh_flag(ce, tc) == NULL)
		goto out;
	if (!mkdir_p(root, 0755)) {
		log_err("cannot create %s: %s", root, strerror(errno));
		goto out;
	}
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		log_err("cannot lock %s: %s", lockp, strerror(errno));
		goto out;
	}
	if (!path_is_file(done)) {
		tmp = xasprintf("%s/tmp-%ld", root, (long)getpid());
		remove_tree(tmp);
		if (!build_sysroot(ce, tc, tmp))
			goto out;
		prune(tmp);
		remove_tree(dir);
		if (rename(tmp, dir) != 0) {
			log_err("cannot rename %s to %s: %s", tmp, dir, strerror(errno));
			goto out;
		}
		log_info("rust: standard library in %s", dir);
	}
	sysroot = path_join(dir, "sysroot");
out:
	if (tmp)
		remove_tree(tmp);
	if (lock >= 0)
		close(lock);
	free(root);
	free(id);
	free(dir);
	free(lockp);
	free(done);
	free(tmp);
	return sysroot;
}

/* ---- the environment of a build ---- */

static void setv(struct strv *env, const char *name, const char *value)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=') {
			free(env->v[i]);
			env->v[i] = xasprintf("%s=%s", name, value);
			return;
		}
	strv_push(env, xasprintf("%s=%s", name, value));
}

/* cargo's environment name of a target triple: x86_64-unknown-linux-gnu -> X86_64_UNKNOWN_LINUX_GNU */
static char *triple_var(const char *prefix, const char *triple, const char *suffix)
{
	char *s = xasprintf("%s%s%s", prefix, triple, suffix);
	for (char *p = s + strlen(prefix); *p && p < s + strlen(prefix) + strlen(triple); p++)
		*p = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	return s;
}

/* the release profile kiln applies (docs/rust.md "Size") */
static const struct {
	const char *var, *value;
} profile[] = {
	{"CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"},
	{"CARGO_PROFILE_RELEASE_LTO", "fat"},
	{"CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"},
	{"CARGO_PROFILE_RELEASE_PANIC", "unwind"},
	{"CARGO_PROFILE_RELEASE_STRIP", "symbols"},
	{"CARGO_PROFILE_RELEASE_DEBUG", "false"},
};

void rust_env(const struct crossenv *ce, const struct rust_toolchain *tc, const char *sysroot,
	struct strv *env)
{
	const char *eh = eh_flag(ce, tc);
	char *cache = path_absolute(config_cache_dir());
	const char *own = getenv("KILN_CARGO_HOME");
	char *home = own && *own ? xstrdup(own) : path_join(cache, "cargo");
	char *cc = crossenv_path(ce, "bin/cc");
	char *flags = xasprintf("--sysroot=%s -Crelocation-model=pic " RUST_CPU_FLAGS " %s", sysroot,
		eh ? eh : "");
	char *bin = crossenv_path(ce, "bin");
	char *hostcc = proc_which("cc", bin), *hostcxx = proc_which("c++", bin);
	char *hostar = proc_which("ar", bin);
	char *ver = xasprintf("%d.%d", ce->py_major, ce->py_minor);
	char *sysconf = crossenv_path(ce, "sysconfig");
	char *v;
	char *top = path_dirname(sysroot);
	char *emcc = crossenv_path(ce, "bin/emcc");
	const char *path = NULL;
	for (size_t i = 0; i < env->n && !path; i++)
		if (str_startswith(env->v[i], "PATH="))
			path = env->v[i] + 5;
	if (!path)
		path = getenv("PATH");
	/* the sysroot's emcc (write_emcc) before the environment's, whose other wrappers
	 * stay first */
	char *cebin = crossenv_path(ce, "bin");
	size_t n = strlen(cebin);
	char *newpath = path && strncmp(path, cebin, n) == 0 && path[n] == ':'
		? xasprintf("%s:%s/bin%s", cebin, top, path + n)
		: xasprintf("%s/bin:%s", top, path ? path : "/usr/bin:/bin");
	free(cebin);
	setv(env, "PATH", newpath);
	setv(env, "KILN_RUST_EMCC", emcc);
	free(newpath);
	free(emcc);
	free(top);
	if (tc->toolchain)
		setv(env, "RUSTUP_TOOLCHAIN", tc->toolchain);
	setv(env, "RUSTUP_AUTO_INSTALL", "0");
	if (!tc->nightly)
		setv(env, "RUSTC_BOOTSTRAP", "1"); /* -Zemscripten-wasm-eh on a stable rustc */
	setv(env, "CARGO_HOME", home);
	setv(env, "CARGO_BUILD_TARGET", RUST_TARGET);
	setv(env, (v = triple_var("CARGO_TARGET_", RUST_TARGET, "_LINKER")), cc);
	free(v);
	setv(env, (v = triple_var("CARGO_TARGET_", RUST_TARGET, "_RUSTFLAGS")), flags);
	free(v);
	/* build scripts and proc macros run on the host: its linker and compilers, not the
	 * wrapper that cc/CC name in the environment */
	if (hostcc) {
		setv(env, (v = triple_var("CARGO_TARGET_", tc->host, "_LINKER")), hostcc);
		free(v);
		setv(env, "HOST_CC", hostcc);
	}
	if (hostcxx)
		setv(env, "HOST_CXX", hostcxx);
	if (hostar)
		setv(env, "HOST_AR", hostar);
	const char *mode = getenv("KILN_RUST_PROFILE");
	if (!mode || strcmp(mode, "cargo") != 0)
		for (size_t i = 0; i < ARRAY_LEN(profile); i++)
			setv(env, profile[i].var, profile[i].value);
	setv(env, "PYO3_CROSS", "1");
	setv(env, "PYO3_CROSS_LIB_DIR", sysconf);
	setv(env, "PYO3_CROSS_PYTHON_VERSION", ver);
	setv(env, "PYO3_CROSS_PYTHON_IMPLEMENTATION", "CPython");
	free(cache);
	free(home);
	free(cc);
	free(flags);
	free(hostcc);
	free(hostcxx);
	free(hostar);
	free(bin);
	free(ver);
	free(sysconf);
}

bool rust_env_ensure(const struct crossenv *ce, struct strv *env)
{
	struct rust_toolchain tc;
	if (!rust_toolchain_find(&tc))
		return false;
	char *sysroot = rust_sysroot_ensure(ce, &tc);
	if (sysroot)
		rust_env(ce, &tc, sysroot, env);
	free(sysroot);
	rust_toolchain_free(&tc);
	return sysroot != NULL;
}

/* ---- links with Rust inputs ---- */

bool rust_link_is_rust(const struct strv *args)
{
	for (size_t i = 0; i < args->n; i++)
		if (args->v[i][0] != '-' && str_endswith(args->v[i], ".rlib"))
			return true;
	return false;
}

/* the undefined functions of the link that are checked by layout */
struct undef_sets {
	struct strv rust, other;
};

static bool checked_name(const char *name)
{
	return abi_time_t_lookup(name) || abi_is_libcxx_symbol(name);
}

/* an object of rustc's own (a codegen unit, or the symbols.o it writes for the link) */
static bool rustc_object(const char *name)
{
	const char *b = path_basename(name);
	return str_endswith(b, ".rcgu.o") || strcmp(b, "symbols.o") == 0;
}

/* rustc: whether the object is one of rustc's (its name, an archive member's own name) */
static bool object_undefs(const char *name, bool rustc, const uint8_t *data, size_t len,
	struct undef_sets *u)
{
	struct wasm_module m;
	if (!wasm_is_binary(data, len))
		return true; /* not wasm (an rlib's metadata): nothing to list */
	bool ok = wasm_parse(data, len, name, &m);
	struct strv *to = rustc ? &u->rust : &u->other;
	for (size_t i = 0; ok && i < m.nimports; i++) {
		const struct wasm_import *im = &m.imports[i];
		if (im->kind == WASM_KIND_FUNC && checked_name(im->name) && !strv_has(to, im->name))
			strv_add(to, im->name);
	}
	wasm_module_free(&m);
	return ok;
}

struct member_walk {
	const char *path;
	struct undef_sets *u;
};

static enum arc_step member_undefs(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct member_walk *w = ctx;
	const char *name = archive_entry_pathname(e);
	struct buf b = {0};
	bool ok = true;
	if (name && str_endswith(name, ".o")) {
		char *what = xasprintf("%s(%s)", w->path, name);
		ok = arc_entry_data(a, &b, SIZE_MAX) == 0;
		if (!ok)
			log_err("%s: %s", what, archive_error_string(a));
		ok = ok && object_undefs(what, rustc_object(name), (const uint8_t *)b.s, b.len, w->u);
		free(what);
	}
	buf_free(&b);
	return ok ? ARC_NEXT : ARC_FAIL;
}

/* the checked functions an input (object or archive) imports; false (reported) when
 * it cannot be read */
static bool input_undefs(const char *path, struct undef_sets *u)
{
	size_t len = 0;
	char *data = read_file(path, &len);
	bool ok;
	if (!data) {
		log_err("%s: %s", path, strerror(errno));
		return false;
	}
	if (len >= 8 && memcmp(data, "!<arch>\n", 8) == 0) {
		struct member_walk w = {.path = path, .u = u};
		const struct arc_source src = {.data = data, .len = len, .origin = path,
			.formats = ARC_AR};
		ok = arc_each(&src, member_undefs, &w);
	} else {
		ok = object_undefs(path, rustc_object(path), (const uint8_t *)data, len, u);
	}
	free(data);
	return ok;
}

static void section(struct buf *b, const char *name, const struct buf *payload)
{
	size_t nlen = strlen(name);
	size_t size = 1 + nlen + payload->len; /* name length fits one LEB byte */
	buf_putc(b, 0);
	for (size_t v = size;; v >>= 7) {
		buf_putc(b, (char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
		if (v < 0x80)
			break;
	}
	buf_putc(b, (char)nlen);
	buf_add(b, name, nlen);
	buf_add(b, payload->s ? payload->s : "", payload->len);
}

bool rust_link_marker(const struct strv *args, const char *dir, char **obj)
{
	struct undef_sets u = {0};
	struct buf t64 = {0}, cxx = {0}, linking = {0}, o = {0};
	bool ok = false;
	*obj = NULL;
	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->v[i];
		if (a[0] == '-') {
			if (argv_takes_value(a))
				i++;
			continue;
		}
		if (access(a, R_OK) == 0 && !input_undefs(a, &u))
			goto out;
	}
	for (size_t i = 0; i < u.rust.n; i++) {
		const char *n = u.rust.v[i];
		if (strv_has(&u.other, n))
			continue; /* made by C code too, with the toolchain's layouts: a finding */
		struct buf *to = abi_time_t_lookup(n) ? &t64 : &cxx;
		buf_add(to, n, strlen(n) + 1);
	}
	ok = true;
	if (t64.len || cxx.len) {
		buf_add(&o, "\0asm\1\0\0\0", 8);
		buf_putc(&linking, 2); /* the linking section's version */
		section(&o, "linking", &linking);
		if (t64.len)
			section(&o, "kiln.time64", &t64);
		if (cxx.len)
			section(&o, "kiln.libcxx", &cxx);
		*obj = path_join(dir, "kiln-rust-marker.o");
		ok = write_file_atomic(*obj, o.s, o.len);
		if (!ok) {
			log_err("cannot write %s: %s", *obj, strerror(errno));
			free(*obj);
			*obj = NULL;
		}
	}
out:
	strv_free(&u.rust);
	strv_free(&u.other);
	buf_free(&t64);
	buf_free(&cxx);
	buf_free(&linking);
	buf_free(&o);
	return ok;
}

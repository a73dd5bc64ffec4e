#include "toolchain/compat_setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/proc.h"
#include "toolchain/abi.h"
#include "toolchain/compat_link.h"
#include "toolchain/wrap.h"

#define TIME64_SRC "time64.c"
#define TIME64_LIB "lib/libkiln-time64.a"
#define PRIVATE_DIR "lib/private"
#define NOEXCEPT_SRC "libcxx-noexcept.c"

/* the toolchain's libc++ archives made private: without and with (JavaScript) exceptions;
 * for ABIs with wasm exceptions (2025_0 and later) the -except (wasm EH) archives */
static const char *const libcxx_archives[] = {"libc++-noexcept.a", "libc++abi-noexcept.a",
	"libc++.a", "libc++abi.a", NULL};
static const char *const libcxx_archives_wasm_eh[] = {COMPAT_LIBCXX_EH, COMPAT_LIBCXXABI_EH,
	COMPAT_LIBUNWIND_EH, NULL};

/* the LLVM whose wasm-ld links C++ side modules: 14's imports hidden weak definitions */
static const char *link_llvm_root(void)
{
	const char *r = getenv("KILN_LINK_LLVM_ROOT");
	return r && *r ? r : "/usr/lib/llvm-19/bin";
}

static char *time64_source(void)
{
	return path_join(config_compat_dir(), TIME64_SRC);
}

static const char *const sources[] = {TIME64_SRC, NOEXCEPT_SRC};

void compat_inputs(struct strv *files, struct buf *settings)
{
	for (size_t i = 0; i < ARRAY_LEN(sources); i++)
		strv_push(files, path_join(config_compat_dir(), sources[i]));
	buf_printf(settings, "compat-dir %s\nlink-llvm %s\n", config_compat_dir(), link_llvm_root());
}

bool compat_id(struct buf *m)
{
	bool ok = true;
	for (size_t i = 0; i < ARRAY_LEN(sources) && ok; i++) {
		char *src = path_join(config_compat_dir(), sources[i]);
		char h[65];
		ok = hash_sha256_file(src, h);
		if (ok)
			buf_printf(m, "compat %s %s\n", sources[i], h);
		else
			log_err("cannot read the compat layer's source %s: %s (KILN_COMPAT_DIR)",
				src, strerror(errno));
		free(src);
	}
	buf_printf(m, "link-llvm %s\n", link_llvm_root());
	return ok;
}

/* the shim names: the source's "#ifdef SHIM_name" lines, in order */
static bool shim_names(const char *src, struct strv *names)
{
	char *text = read_file(src, NULL);
	if (!text) {
		log_err("cannot read %s: %s", src, strerror(errno));
		return false;
	}
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_startswith(line, "#ifdef SHIM_"))
			strv_add(names, line + strlen("#ifdef SHIM_"));
	}
	free(text);
	if (!names->n)
		log_err("%s: no '#ifdef SHIM_name' sections", src);
	return names->n > 0;
}

/* one object of the layer: the fast path's clang command when proven, else emcc */
static bool compile_shim(const struct crossenv *ce, const char *src, const char *name,
	const char *obj)
{
	struct strv args = {0}, cmd = {0};
	for (const char *const *f = crossenv_abi_flags(ce); *f; f++)
		strv_add(&args, *f);
	strv_add(&args, "-O2");
	strv_add(&args, "-fPIC");
	strv_add(&args, "-fvisibility=hidden");
	if (name)
		strv_push(&args, xasprintf("-DSHIM_%s", name));
	strv_add(&args, "-c");
	strv_add(&args, src);
	strv_add(&args, "-o");
	strv_add(&args, obj);
	if (!ce->fastpath || !wrap_fast_compile(ce, false, args.v, args.n, &cmd)) {
		strv_add(&cmd, ce->emcc);
		for (size_t i = 0; i < args.n; i++)
			strv_add(&cmd, args.v[i]);
	}
	struct buf out = {0}, err = {0};
	int st = -1;
	bool ok = proc_capture(cmd.v, NULL, &out, &err, &st) && st == 0;
	if (!ok)
		log_err("compiling %s of the compat layer failed (status %d):\n%s%s", obj, st,
			out.s ? out.s : "", err.s ? err.s : "");
	buf_free(&out);
	buf_free(&err);
	strv_free(&args);
	strv_free(&cmd);
	return ok;
}

static bool build_time64(struct crossenv *ce, const char *tmp, const char *final)
{
	char *src = time64_source();
	char *objdir = path_join(tmp, ".time64-objs");
	char *lib = path_join(tmp, TIME64_LIB);
	char *libdir = path_dirname(lib);
	struct strv names = {0}, objs = {0}, ar = {0};
	bool ok = false;
	if (!shim_names(src, &names))
		goto out;
	if (!mkdir_p(objdir, 0755) || !mkdir_p(libdir, 0755)) {
		log_err("cannot create %s: %s", objdir, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		char *obj = xasprintf("%s/%s.o", objdir, names.v[i]);
		strv_push(&objs, obj);
		if (!compile_shim(ce, src, names.v[i], obj))
			goto out;
	}
	strv_add(&ar, ce->emar);
	strv_add(&ar, "rcs");
	strv_add(&ar, lib);
	for (size_t i = 0; i < objs.n; i++)
		strv_add(&ar, objs.v[i]);
	struct buf err = {0};
	int st = -1;
	ok = proc_capture(ar.v, NULL, NULL, &err, &st) && st == 0;
	if (!ok)
		log_err("%s failed (status %d) making %s:\n%s", ce->emar, st, lib,
			err.s ? err.s : "");
	buf_free(&err);
	if (ok)
		ce->time64_lib = path_join(final, TIME64_LIB);
out:
	remove_tree(objdir);
	strv_free(&names);
	strv_free(&objs);
	strv_free(&ar);
	free(src);
	free(objdir);
	free(lib);
	free(libdir);
	return ok;
}

static bool build_private_libcxx(struct crossenv *ce, const char *tmp, const char *final)
{
	char *pic = xasprintf("%s/lib/wasm32-emscripten/pic", ce->sysroot);
	char *dir = path_join(tmp, PRIVATE_DIR);
	char *wasm_ld = path_join(link_llvm_root(), "wasm-ld");
	bool ok = false;
	if (access(wasm_ld, X_OK) != 0) {
		log_warn("no %s (set KILN_LINK_LLVM_ROOT to an LLVM 19 bin directory): C++ side "
			"modules will import the runtime's libc++ and fail the ABI check", wasm_ld);
		ok = true;
		goto out;
	}
	if (!mkdir_p(dir, 0755)) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	bool eh = crossenv_wasm_eh(ce);
	if (!eh) {
		char *src = path_join(config_compat_dir(), NOEXCEPT_SRC);
		char *obj = path_join(dir, COMPAT_NOEXCEPT_OBJ);
		bool compiled = compile_shim(ce, src, NULL, obj);
		free(src);
		free(obj);
		if (!compiled)
			goto out;
	}
	for (const char *const *a = eh ? libcxx_archives_wasm_eh : libcxx_archives; *a; a++) {
		char *in = path_join(pic, *a);
		char *o = path_join(dir, *a);
		bool done = path_is_file(in) && abi_private_archive(in, o, ce->emar);
		if (!path_is_file(in))
			log_err("%s: no such archive in the toolchain's sysroot (needed for the private "
				"libc++ of C++ modules)", in);
		free(in);
		free(o);
		if (!done)
			goto out;
	}
	ce->libcxx_private = path_join(final, PRIVATE_DIR);
	ce->link_llvm_root = xstrdup(link_llvm_root());
	ok = true;
out:
	free(pic);
	free(dir);
	free(wasm_ld);
	return ok;
}

bool compat_setup(struct crossenv *ce, const char *tmp, const char *final, int runtime_time_t)
{
	struct abi_toolchain tc = {0};
	bool ok = false;
	if (!abi_toolchain_probe(ce->emcc, &tc))
		goto out;
	if (tc.time_t_size != runtime_time_t) {
		log_info("time_t is %d bytes in the toolchain, %d in the runtime: building the "
			"time64 compat layer", tc.time_t_size, runtime_time_t);
		if (!build_time64(ce, tmp, final))
			goto out;
	}
	if (strcmp(ce->emcc_version, ce->runtime_emsdk) != 0 &&
		!build_private_libcxx(ce, tmp, final))
		goto out;
	ok = true;
out:
	abi_toolchain_free(&tc);
	return ok;
}

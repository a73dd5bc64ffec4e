#include "toolchain/compat_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "toolchain/abi.h"
#include "toolchain/argv.h"
#include "toolchain/rust.h"
#include "toolchain/wasm.h"

/* does this object or archive use libc++ (names only a C++ translation unit has)? */
static bool uses_libcxx(const char *data, size_t len)
{
	static const char *const marks[] = {"St3__", "__cxa_throw", "__cxa_begin_catch",
		"__gxx_personality", "_Znwm", "_Znam", "_ZdlPv", "_ZdaPv", "N10__cxxabiv1"};
	for (size_t i = 0; i < ARRAY_LEN(marks); i++)
		if (memmem(data, len, marks[i], strlen(marks[i])))
			return true;
	return false;
}

static bool is_object(const char *data, size_t len)
{
	/* relocatable wasm, not a side module (whose first section is dylink.0) */
	return len >= 8 && memcmp(data, "\0asm", 4) == 0 &&
		!memmem(data, len < 64 ? len : 64, "dylink", 6);
}

static bool is_archive(const char *data, size_t len)
{
	return len >= 8 && memcmp(data, "!<arch>\n", 8) == 0;
}

/* the link's temporary directory, made on first use */
static bool link_tmpdir(struct compat_link *cl)
{
	if (cl->tmpdir)
		return true;
	const char *t = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/kiln-link-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpl)) {
		log_err("cannot create %s: %s", tmpl, strerror(errno));
		free(tmpl);
		return false;
	}
	cl->tmpdir = tmpl;
	return true;
}

/* a copy of the input with its libc++ entities hidden, or NULL when it defines none */
static char *hidden_copy(const struct crossenv *ce, struct compat_link *cl, const char *in,
	char *data, size_t len, bool *ok)
{
	*ok = false;
	if (!link_tmpdir(cl))
		return NULL;
	char *out = xasprintf("%s/%u-%s", cl->tmpdir, cl->ncopies++, path_basename(in));
	if (is_archive(data, len)) {
		*ok = abi_hide_libcxx_archive(in, out, ce->emar);
	} else {
		long n = wasm_object_hide_symbols((uint8_t *)data, len, in, abi_is_libcxx_definition);
		*ok = n >= 0 && (n == 0 || write_file_atomic(out, data, len));
		if (n > 0 && !*ok)
			log_err("cannot write %s: %s", out, strerror(errno));
		if (n == 0) {
			free(out);
			out = NULL;
		}
	}
	if (!*ok) {
		free(out);
		out = NULL;
	}
	return out;
}

static bool has_exceptions(const struct strv *args)
{
	for (size_t i = 0; i < args->n; i++)
		if (strcmp(args->v[i], "-fexceptions") == 0 ||
			strcmp(args->v[i], "-sDISABLE_EXCEPTION_CATCHING=0") == 0)
			return true;
	return false;
}

bool compat_link_prepare(const struct crossenv *ce, const struct strv *args, bool cxx,
	struct compat_link *cl)
{
	bool private = ce->libcxx_private && *ce->libcxx_private && ce->link_llvm_root &&
		*ce->link_llvm_root;
	bool time64 = ce->time64_lib && *ce->time64_lib;
	bool rust = rust_link_is_rust(args);
	bool ok = false;
	memset(cl, 0, sizeof(*cl));
	/* the inputs: readable wasm objects and archives among the arguments */
	bool *input = xcalloc(args->n + 1, sizeof(*input));
	char **repl = xcalloc(args->n + 1, sizeof(*repl));
	for (size_t i = 0; i < args->n && private; i++) {
		const char *a = args->v[i];
		if (a[0] == '-') {
			if (argv_takes_value(a))
				i++;
			continue;
		}
		size_t len;
		char *data = access(a, R_OK) == 0 ? read_file(a, &len) : NULL;
		if (data && (is_object(data, len) || is_archive(data, len))) {
			input[i] = true;
			/* Rust's panic_unwind calls the runtime's __cxa_* but uses no libc++ */
			cxx |= !str_endswith(a, ".rlib") && uses_libcxx(data, len);
		}
		free(data);
	}
	for (size_t i = 0; i < args->n && private && cxx; i++) {
		size_t len;
		char *data = input[i] ? read_file(args->v[i], &len) : NULL;
		if (!data)
			continue;
		bool done;
		repl[i] = hidden_copy(ce, cl, args->v[i], data, len, &done);
		free(data);
		if (!done)
			goto out;
	}
	for (size_t i = 0; i < args->n; i++)
		strv_add(&cl->args, repl[i] ? repl[i] : args->v[i]);
	bool nwa = false;
	if (private && cxx && crossenv_wasm_eh(ce)) {
		/* the module catches with wasm exceptions: its whole libc++ is private */
		strv_add(&cl->extra, "-Wl,--no-whole-archive");
		nwa = true;
		strv_push(&cl->extra, path_join(ce->libcxx_private, COMPAT_LIBCXX_EH));
		strv_push(&cl->extra, path_join(ce->libcxx_private, COMPAT_LIBCXXABI_EH));
		strv_push(&cl->extra, path_join(ce->libcxx_private, COMPAT_LIBUNWIND_EH));
		strv_add(&cl->extra, "-Wl,--unresolved-symbols=import-dynamic");
		cl->llvm = true;
	} else if (private && cxx) {
		bool eh = has_exceptions(args);
		strv_add(&cl->extra, "-Wl,--no-whole-archive");
		nwa = true;
		strv_push(&cl->extra, path_join(ce->libcxx_private, eh ? "libc++.a"
								       : "libc++-noexcept.a"));
		strv_push(&cl->extra, path_join(ce->libcxx_private, eh ? "libc++abi.a"
								       : "libc++abi-noexcept.a"));
		if (!eh)
			strv_push(&cl->extra, path_join(ce->libcxx_private, COMPAT_NOEXCEPT_OBJ));
		/* wasm-ld 19 imports the data symbols (stderr...) of the libc++ members */
		strv_add(&cl->extra, "-Wl,--unresolved-symbols=import-dynamic");
		cl->llvm = true;
	}
	if (rust) {
		/* Rust's libc crate has the runtime's time_t: no shims, a marker of its imports */
		char *marker = NULL;
		if (!link_tmpdir(cl) || !rust_link_marker(args, cl->tmpdir, &marker))
			goto out;
		if (marker)
			strv_push(&cl->extra, marker);
	} else if (time64) {
		if (!nwa)
			strv_add(&cl->extra, "-Wl,--no-whole-archive");
		strv_add(&cl->extra, ce->time64_lib);
	}
	ok = true;
out:
	for (size_t i = 0; i < args->n; i++)
		free(repl[i]);
	free(repl);
	free(input);
	if (!ok)
		compat_link_free(cl);
	return ok;
}

void compat_link_env(const struct crossenv *ce, const struct compat_link *cl)
{
	if (!cl->llvm)
		return;
	setenv("EM_LLVM_ROOT", ce->link_llvm_root, 1);
	setenv("EM_LLVM_ADD_VERSION", "", 1);
	setenv("EM_CLANG_ADD_VERSION", "", 1);
}

void compat_link_free(struct compat_link *cl)
{
	if (cl->tmpdir) {
		remove_tree(cl->tmpdir);
		free(cl->tmpdir);
	}
	strv_free(&cl->args);
	strv_free(&cl->extra);
	memset(cl, 0, sizeof(*cl));
}

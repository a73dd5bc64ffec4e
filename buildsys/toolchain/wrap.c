#include "toolchain/wrap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/proc.h"
#include "toolchain/argv.h"
#include "toolchain/fortran.h"
#include "toolchain/rust.h"

/* ---- file kinds (emcc's suffix rules) ---- */

static const char *suffix(const char *path)
{
	const char *base = path_basename(path);
	const char *dot = strrchr(base, '.');
	return dot ? dot : "";
}

static const char *const c_endings[] = {".c", ".i", NULL};
static const char *const cxx_endings[] = {".cpp", ".cxx", ".cc", ".c++", ".CPP", ".CXX", ".C",
	".CC", ".C++", ".ii", NULL};
static const char *const other_source_endings[] = {".m", ".mi", ".mm", ".mii", ".ll", ".S",
	".s", NULL};

static bool is_cxx_source(const char *p)
{
	return argv_in_list(suffix(p), cxx_endings);
}

static bool is_source(const char *p)
{
	const char *s = suffix(p);
	return argv_in_list(s, c_endings) || argv_in_list(s, cxx_endings) ||
		argv_in_list(s, other_source_endings);
}

/* ---- the fast path: emcc's compile step without emcc ---- */

/* warning names emcc takes for itself (tools/shared.py), which it strips from clang's args */
static const char *const em_warnings[] = {"absolute-paths", "almost-asm", "experimental",
	"invalid-input", "legacy-settings", "linkflags", "emcc", "undefined", "deprecated",
	"version-check", "export-main", "map-unrecognized-libraries",
	"unused-command-line-argument", "pthreads-mem-growth", "transpile", "warn-absolute-paths",
	NULL};

/* -f flags that change emcc's settings (and so its clang flags) */
static const char *const f_settings[] = {"-flto", "-fexceptions", "-fwasm-exceptions",
	"-fsanitize", "-fno-sanitize", "-fcoverage", "-fprofile", NULL};

static bool fast_flag_ok(const char *a)
{
	if (str_startswith(a, "-W")) {
		if (str_startswith(a, "-Wl,") || str_startswith(a, "-Wa,"))
			return false;
		const char *name = a + 2;
		if (str_startswith(name, "no-"))
			name += 3;
		if (str_startswith(name, "error="))
			name += 6;
		return !argv_in_list(name, em_warnings);
	}
	if (str_startswith(a, "-f")) {
		for (const char *const *f = f_settings; *f; f++)
			if (str_startswith(a, *f))
				return false;
		return true;
	}
	if (str_startswith(a, "-D") || str_startswith(a, "-U") || str_startswith(a, "-I") ||
		str_startswith(a, "-std="))
		return true;
	static const char *const plain[] = {"-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MP",
		"-MG", "-w", "-pedantic", "-pedantic-errors", "-ansi", "-pipe", "-O", "-O0", "-O1",
		"-O2", "-O3", "-Os", "-Oz", "-g", "-g0", "-g1", "-g2", "-g3", "-fsyntax-only",
		"-nostdinc++", "-H", "-C", "-P", "-dD", "-dM", NULL};
	return argv_in_list(a, plain);
}

/* what the fast path reads from a compile line */
struct fast {
	const struct crossenv *ce;
	const char *src, *output;
	bool dash_c, dash_s, preprocess, shrink, vis, pic;
	struct strv cargs; /* the user's flags, as emcc hands them to clang */
};

/* an option whose value is the next argument; false when the fast path does not take it */
static bool fast_value(struct fast *f, char *const *args, size_t n, size_t *i)
{
	static const char *const ok_value[] = {"-D", "-U", "-I", "-include", "-imacros",
		"-idirafter", "-isystem", "-iquote", "-MF", "-MT", "-MQ", NULL};
	const char *a = args[*i];
	if (!argv_in_list(a, ok_value) || *i + 1 >= n)
		return false;
	if (strcmp(a, "-I") == 0) {
		/* emcc joins a separate -I value onto the flag */
		strv_push(&f->cargs, xasprintf("-I%s", args[++*i]));
	} else {
		strv_add(&f->cargs, a);
		strv_add(&f->cargs, args[++*i]);
	}
	return true;
}

/* an option on its own; false when the fast path does not take it */
static bool fast_flag(struct fast *f, const char *a)
{
	if (!fast_flag_ok(a))
		return false;
	if (strcmp(a, "-c") == 0)
		f->dash_c = true;
	else if (strcmp(a, "-S") == 0)
		f->dash_s = true;
	else if (strcmp(a, "-E") == 0 || strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0 ||
		strcmp(a, "-fsyntax-only") == 0)
		f->preprocess = true;
	else if (strcmp(a, "-Os") == 0 || strcmp(a, "-Oz") == 0)
		f->shrink = true;
	else if (str_startswith(a, "-fvisibility"))
		f->vis = true;
	else if (strcmp(a, "-fPIC") == 0)
		f->pic = true;
	/* -g/-g3 and -g0..-g2 as emcc hands them to clang (setup read it: 3.1.6 gives -g and
	 * drops -g0..-g2, 3.1.69 gives -g3 and -g0) */
	if (strcmp(a, "-g") == 0 || strcmp(a, "-g3") == 0)
		strv_add(&f->cargs, f->ce->fast_g);
	else if (strcmp(a, "-g0") == 0 || strcmp(a, "-g1") == 0 || strcmp(a, "-g2") == 0) {
		if (*f->ce->fast_g_low)
			strv_add(&f->cargs, f->ce->fast_g_low);
	} else
		strv_add(&f->cargs, a);
	return true;
}

/* read a compile line (without the program name); false when the fast path does not
 * reproduce it: one readable C or C++ source, only the options emcc hands to clang as
 * they are, and something to make (-c, -S, or a preprocessor or syntax-only run) */
static bool fast_parse(struct fast *f, char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (f->src || strcmp(a, "-") == 0 || !is_source(a) ||
				argv_in_list(suffix(a), other_source_endings) || access(a, R_OK) != 0)
				return false;
			f->src = a;
		} else if (strcmp(a, "-o") == 0) {
			if (i + 1 >= n || f->output)
				return false;
			f->output = args[++i];
		} else if (str_startswith(a, "-o")) {
			if (strchr(a, '=') || f->output)
				return false;
			f->output = a + 2;
		} else if (argv_in_list(a, crossenv_abi_flags(f->ce))) {
			/* the target ABI's flags, which setup's probes had: emcc consumes the
			 * settings (-s) and hands the rest to clang */
			if (!str_startswith(a, "-s"))
				strv_add(&f->cargs, a);
		} else if (argv_takes_value(a)) {
			if (!fast_value(f, args, n, &i))
				return false;
		} else if (!fast_flag(f, a)) {
			return false;
		}
	}
	return f->src && (f->dash_c || f->dash_s || f->preprocess);
}

/* emcc's flags for clang as this line changes them; false when the fast path cannot
 * place what -Os/-Oz add */
static bool fast_cflags(const struct fast *f, const struct strv *cf, struct strv *out)
{
	const char *add = f->ce->fast_shrink;
	bool placed = !f->shrink || !*add;
	for (size_t i = 0; i < cf->n; i++) {
		if (f->vis && strcmp(cf->v[i], "-fvisibility=default") == 0)
			continue;
		strv_add(out, cf->v[i]);
		/* -Os/-Oz set INLINING_LIMIT in 3.1.6, which emcc turns into this flag */
		if (!placed && strcmp(cf->v[i], "-fignore-exceptions") == 0) {
			strv_add(out, add);
			placed = true;
		}
	}
	return placed;
}

/* the output arguments: as given, or emcc's default name for an object or assembly */
static void fast_output(const struct fast *f, struct strv *out)
{
	if (f->preprocess) {
		if (f->output) {
			strv_add(out, "-o");
			strv_add(out, f->output);
		}
		return;
	}
	if (!f->dash_c)
		strv_add(out, "-c");
	strv_add(out, "-o");
	if (f->output) {
		strv_add(out, f->output);
		return;
	}
	const char *base = path_basename(f->src);
	const char *dot = strrchr(base, '.');
	size_t len = dot ? (size_t)(dot - base) : strlen(base);
	strv_push(out, xasprintf("%.*s%s", (int)len, base, f->dash_c ? ".o" : ".s"));
}

bool wrap_fast_compile(const struct crossenv *ce, bool cxx, char *const *args, size_t n,
	struct strv *out)
{
	struct fast f = {.ce = ce};
	bool ok = false;
	if (!ce->fast_g || !*ce->fast_g || !ce->fast_g_low || !ce->fast_shrink ||
		!fast_parse(&f, args, n))
		goto out;
	if (!cxx && is_cxx_source(f.src))
		cxx = true;
	const struct strv *cf = crossenv_cflags(ce, cxx, f.pic);
	if (!cf->n)
		goto out;
	strv_add(out, cxx ? ce->clangxx : ce->clang);
	if (!fast_cflags(&f, cf, out))
		goto out;
	for (size_t i = 0; i < f.cargs.n; i++)
		strv_add(out, f.cargs.v[i]);
	strv_add(out, f.src);
	fast_output(&f, out);
	ok = true;
out:
	if (!ok)
		strv_free(out);
	strv_free(&f.cargs);
	return ok;
}

/* ---- the rewriting rules (pyodide-build's, see docs/wrapper.md) ---- */

static const char *const dropped_flags[] = {"-pthread", "-ffixed-form",
	"-fallow-argument-mismatch", "-bundle", "-mpopcnt", "-fno-second-underscore",
	"-fstack-protector", "-fno-strict-overflow", "-mno-sse2", "-mno-avx2", "-std=legacy",
	NULL};
static const char *const dropped_libs[] = {"-lffi", NULL};
static const char *const wl_dropped[] = {"-Bsymbolic-functions", "--strip-all", "--sort-common",
	"--as-needed", "--enable-new-dtags", NULL};
static const char *const wl_dropped_prefix[] = {"--sysroot=", "--version-script=", "-R",
	"--exclude-libs=", NULL};
static const char *const werror_extra[] = {"-Werror=implicit-function-declaration",
	"-Werror=mismatched-parameter-types", "-Werror=return-type", NULL};

/* -Wl,a,b,c without the items the host linker wants and wasm-ld does not; NULL if empty */
static char *filter_wl(const char *arg)
{
	struct buf b = {0};
	char *items = xstrdup(arg + 4);
	size_t kept = 0;
	buf_puts(&b, "-Wl");
	char *save = NULL;
	for (char *it = strtok_r(items, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		if (strcmp(it, "-R") == 0) {
			strtok_r(NULL, ",", &save);
			continue;
		}
		if (argv_in_list(it, wl_dropped) || argv_has_prefix_in(it, wl_dropped_prefix))
			continue;
		buf_printf(&b, ",%s", it);
		kept++;
	}
	free(items);
	if (!kept) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* The host Python's include dir, or the one the target's sysconfig names (where it was
 * built, used by setuptools under the target's sysconfigdata), as the environment's. */
static char *rewrite_include(const struct crossenv *ce, const char *dir)
{
	const char *from[] = {ce->host_include, ce->target_includepy};
	for (size_t i = 0; i < ARRAY_LEN(from); i++) {
		size_t n = from[i] ? strlen(from[i]) : 0;
		if (n && strncmp(dir, from[i], n) == 0 && (dir[n] == '\0' || dir[n] == '/'))
			return xasprintf("%s/include/python%d.%d%s", ce->dir, ce->py_major,
				ce->py_minor, dir + n);
	}
	return NULL;
}

/* Apply the argument rules to args; returns false with *status set when the call must
 * fail or is answered without running anything. */
static bool rewrite_args(struct wrap *w, char **args, int n, struct strv *out, int *status)
{
	struct strv libs = {0};
	bool ok = false;
	for (int i = 0; i < n; i++) {
		const char *a = args[i];
		if (strcmp(a, "-print-multiarch") == 0) {
			buf_puts(&w->said, "wasm32-emscripten\n");
			*status = 0;
			goto out;
		}
		if (str_startswith(a, "-fopenmp")) {
			log_err("%s: %s: OpenMP is not available for wasm32 (failing the call so that "
				"configure checks see no OpenMP)", w->tool, a);
			*status = 1;
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		const char *a = args[i];
		char *r;
		if (argv_in_list(a, dropped_flags) || str_startswith(a, "-J"))
			continue;
		if (strcmp(a, "-undefined") == 0 && i + 1 < n &&
			strcmp(args[i + 1], "dynamic_lookup") == 0) {
			i++;
			continue;
		}
		if ((strcmp(a, "-I") == 0 || strcmp(a, "-isystem") == 0 || strcmp(a, "-L") == 0) &&
			i + 1 < n) {
			if (a[1] != 'L' && (r = rewrite_include(&w->ce, args[i + 1]))) {
				strv_add(out, a);
				strv_push(out, r);
			} else if (!str_startswith(args[i + 1], "/usr")) {
				strv_add(out, a);
				strv_add(out, args[i + 1]);
			}
			i++;
			continue;
		}
		if (str_startswith(a, "-I") || str_startswith(a, "-isystem")) {
			size_t k = a[1] == 'I' ? 2 : strlen("-isystem");
			if ((r = rewrite_include(&w->ce, a + k))) {
				strv_push(out, xasprintf("%.*s%s", (int)k, a, r));
				free(r);
				continue;
			}
			if (a[1] == 'I' && str_startswith(a + 2, "/usr"))
				continue;
		}
		if (str_startswith(a, "-L/usr"))
			continue;
		if (str_startswith(a, "-l")) {
			char *lib = strcmp(a, "-l") == 0 && i + 1 < n ? xasprintf("-l%s", args[++i])
								     : xstrdup(a);
			if (argv_in_list(lib, dropped_libs) || strv_has(&libs, lib)) {
				free(lib);
				continue;
			}
			strv_add(&libs, lib);
			strv_push(out, lib);
			continue;
		}
		if (str_startswith(a, "-Wl,")) {
			if ((r = filter_wl(a)))
				strv_push(out, r);
			continue;
		}
		strv_add(out, a);
		if (argv_takes_value(a) && i + 1 < n)
			strv_add(out, args[++i]);
	}
	/* -lgfortran (as C builds of Fortran code link) is the wasm32 Fortran runtime */
	if (!fortran_rewrite_link_args(out)) {
		*status = 1;
		goto out;
	}
	ok = true;
out:
	strv_free(&libs);
	return ok;
}

static bool dry_run(void)
{
	const char *dry = getenv("KILN_WRAP_DRY_RUN");
	return dry && *dry && strcmp(dry, "0") != 0;
}

void wrap_show(const struct wrap *w, const struct strv *cmd, struct buf *b)
{
	if (w->compat.llvm)
		buf_printf(b, "EM_LLVM_ROOT=%s EM_LLVM_ADD_VERSION= EM_CLANG_ADD_VERSION= ",
			w->ce.link_llvm_root);
	argv_join(b, cmd);
}

/* a command of a dry run, for standard output */
static void say_command(struct wrap *w, const struct strv *cmd)
{
	wrap_show(w, cmd, &w->said);
	buf_putc(&w->said, '\n');
}

/* ---- links of shared objects: ldflags and the export policy ---- */

/* Defined global symbols of the link inputs that are not hidden, from the symbol tables
 * the toolchain's llvm-objdump prints ("addr g F CODE [.hidden] name"). */
static bool read_symbols(struct wrap *w, const struct strv *inputs, struct strv *syms)
{
	if (!inputs->n)
		return true;
	struct strv argv = {0};
	struct buf out = {0}, err = {0};
	int st = -1;
	bool ok = false;
	strv_add(&argv, w->ce.llvm_objdump);
	strv_add(&argv, "-t");
	for (size_t i = 0; i < inputs->n; i++)
		strv_add(&argv, inputs->v[i]);
	if (!proc_capture(argv.v, NULL, &out, &err, &st))
		goto out;
	if (st != 0) {
		log_err("%s: cannot read the symbol tables of the link inputs:\n%s", w->tool,
			err.s ? err.s : "");
		goto out;
	}
	for (char *line = out.s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		struct strv f = {0};
		argv_split(line, &f);
		bool sym = f.n >= 4 && strlen(f.v[0]) == 8 && strspn(f.v[0], "0123456789abcdef") == 8;
		bool global = sym && (strcmp(f.v[1], "g") == 0 || strcmp(f.v[1], "w") == 0 ||
			strcmp(f.v[1], "u") == 0);
		bool hidden = false, undef = false;
		for (size_t i = 1; sym && i + 1 < f.n; i++) {
			hidden |= strcmp(f.v[i], ".hidden") == 0;
			undef |= strcmp(f.v[i], "*UND*") == 0;
		}
		if (global && !hidden && !undef && !strv_has(syms, f.v[f.n - 1]))
			strv_add(syms, f.v[f.n - 1]);
		strv_free(&f);
	}
	ok = true;
out:
	strv_free(&argv);
	buf_free(&out);
	buf_free(&err);
	return ok;
}

static void add_ldflags(struct strv *out)
{
	const char *ld = getenv("KILN_LDFLAGS");
	if (!ld)
		ld = getenv("SIDE_MODULE_LDFLAGS");
	if (!ld)
		ld = "-O2 -g0";
	struct strv words = {0};
	argv_split(ld, &words);
	for (size_t i = 0; i < words.n; i++)
		if (!str_startswith(words.v[i], "-sSIDE_MODULE") && strcmp(words.v[i], "-sWASM_BIGINT"))
			strv_add(out, words.v[i]);
	strv_free(&words);
}

static void add_exports(struct strv *out, const struct strv *names)
{
	if (!names->n)
		return;
	struct buf b = {0};
	buf_puts(&b, "-sEXPORTED_FUNCTIONS=");
	for (size_t i = 0; i < names->n; i++)
		buf_printf(&b, "%s_%s", i ? "," : "", names->v[i]);
	strv_push(out, buf_take(&b));
}

/* the -sSIDE_MODULE value a call under an Emscripten name gives itself (`emcc ...
 * $SIDE_MODULE_LDFLAGS -o libfoo.so`, exporting everything as Emscripten's emcc does);
 * NULL for the other tools or when it names none */
static const char *own_side_module(const struct wrap *w, const struct strv *args)
{
	const char *v = NULL;
	for (size_t i = 0; w->em && i < args->n; i++) {
		if (strcmp(args->v[i], "-sSIDE_MODULE") == 0)
			v = "1";
		else if (str_startswith(args->v[i], "-sSIDE_MODULE="))
			v = args->v[i] + strlen("-sSIDE_MODULE=");
	}
	return v;
}

static bool link_shared(struct wrap *w, const struct strv *user, bool cxx, struct strv *out)
{
	struct strv inputs = {0}, syms = {0}, names = {0};
	bool ok = false;
	compat_link_free(&w->compat);
	if (!compat_link_prepare(&w->ce, user, cxx, &w->compat))
		return false;
	const struct strv *args = &w->compat.args;
	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->v[i];
		if (a[0] == '-') {
			if (argv_takes_value(a))
				i++;
			continue;
		}
		if (access(a, R_OK) == 0)
			strv_add(&inputs, a);
	}
	for (size_t i = 0; i < args->n; i++)
		if (!str_startswith(args->v[i], "-sSIDE_MODULE"))
			strv_add(out, args->v[i]);
	add_ldflags(out);
	const char *policy = getenv("KILN_EXPORTS");
	const char *own = own_side_module(w, user);
	if (!policy || !*policy)
		policy = "pyinit";
	if (own) {
		strv_push(out, xasprintf("-sSIDE_MODULE=%s", own));
	} else if (strcmp(policy, "whole_archive") == 0) {
		strv_add(out, "-sSIDE_MODULE=1");
	} else if (strcmp(policy, "pyinit") == 0 || strcmp(policy, "requested") == 0) {
		if (!read_symbols(w, &inputs, &syms))
			goto out;
		bool all = strcmp(policy, "requested") == 0;
		for (size_t i = 0; i < syms.n; i++)
			if (all || str_startswith(syms.v[i], "PyInit"))
				strv_add(&names, syms.v[i]);
		strv_add(out, "-sSIDE_MODULE=2");
		add_exports(out, &names);
	} else {
		struct strv list = {0};
		char *s = xstrdup(policy);
		for (char *p = s; *p; p++)
			if (*p == ',')
				*p = ' ';
		argv_split(s, &list);
		free(s);
		strv_add(out, "-sSIDE_MODULE=2");
		add_exports(out, &list);
		strv_free(&list);
	}
	strv_add(out, "-sWASM_BIGINT");
	for (size_t i = 0; i < w->compat.extra.n; i++)
		strv_add(out, w->compat.extra.v[i]);
	compat_link_env(&w->ce, &w->compat);
	ok = true;
out:
	strv_free(&inputs);
	strv_free(&syms);
	strv_free(&names);
	return ok;
}

/* whether a compile line may skip emcc: the environment proved the fast path and nothing
 * asks for emcc (KILN_WRAP_NO_FASTPATH, EMCC_DEBUG, EM_* settings unlike setup's) */
static bool fast_allowed(const struct wrap *w)
{
	return w->ce.fastpath && !getenv("KILN_WRAP_NO_FASTPATH") && !getenv("EMCC_DEBUG") &&
		crossenv_em_env_matches(&w->ce);
}

/* the compile line of one source of a link from sources: the link line's compiler
 * options, without its inputs, outputs and link options */
static void object_line(const struct strv *args, const char *src, const char *obj,
	struct strv *cc)
{
	for (size_t j = 0; j < args->n; j++) {
		const char *b = args->v[j];
		bool val = argv_takes_value(b) && j + 1 < args->n;
		if (b[0] != '-' || strcmp(b, "-o") == 0 || strcmp(b, "-Xlinker") == 0 ||
			strcmp(b, "-shared") == 0 || str_startswith(b, "-l") ||
			str_startswith(b, "-L") || str_startswith(b, "-Wl,") ||
			str_startswith(b, "-s")) {
			j += val;
			continue;
		}
		strv_add(cc, b);
		if (val)
			strv_add(cc, args->v[++j]);
	}
	strv_add(cc, "-c");
	strv_add(cc, src);
	strv_add(cc, "-o");
	strv_add(cc, obj);
}

/* compile one source of a link from sources into obj; the exit status */
static int compile_object(struct wrap *w, const struct strv *args, bool cxx,
	const char *driver, const char *src, const char *obj)
{
	struct strv cc = {0}, cmd = {0};
	object_line(args, src, obj, &cc);
	if (!(fast_allowed(w) && wrap_fast_compile(&w->ce, cxx, cc.v, cc.n, &cmd))) {
		strv_add(&cmd, driver);
		for (size_t j = 0; j < cc.n; j++)
			strv_add(&cmd, cc.v[j]);
	}
	if (w->dry)
		say_command(w, &cmd);
	int status = proc_system(cmd.v);
	strv_free(&cc);
	strv_free(&cmd);
	return status;
}

/* A .so linked straight from sources: compile each source into a temporary object first
 * (so that the exports can be read), then link those. Runs the commands itself (also in a
 * dry run, which shows them and does not run the link) and returns the exit status. */
static int link_from_sources(struct wrap *w, const struct strv *args, bool cxx,
	const char *driver)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/kiln-wrap-XXXXXX", t && *t ? t : "/tmp");
	const char *tmpdir = mkdtemp(tmpl);
	struct strv link = {0}, objs = {0}, cmd = {0};
	int status = 1;
	if (!tmpdir) {
		log_err("%s: cannot create %s: %s", w->tool, tmpl, strerror(errno));
		free(tmpl);
		return 1;
	}
	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->v[i];
		if (a[0] == '-' || !is_source(a)) {
			strv_add(&link, a);
			if (a[0] == '-' && argv_takes_value(a) && i + 1 < args->n)
				strv_add(&link, args->v[++i]);
			continue;
		}
		char *obj = xasprintf("%s/%zu-%s.o", tmpdir, objs.n, path_basename(a));
		strv_add(&link, obj);
		strv_push(&objs, obj);
		status = compile_object(w, args, cxx, driver, a, obj);
		if (status != 0)
			goto out;
	}
	strv_add(&cmd, driver);
	status = link_shared(w, &link, cxx, &cmd) ? 0 : 1;
	if (status == 0 && w->dry)
		say_command(w, &cmd);
	else if (status == 0)
		status = proc_system(cmd.v);
out:
	for (size_t i = 0; i < objs.n; i++)
		unlink(objs.v[i]);
	rmdir(tmpdir);
	free(tmpl);
	strv_free(&cmd);
	strv_free(&objs);
	strv_free(&link);
	return status < 0 ? 1 : status;
}

/* ---- tools ---- */

static bool is_compile_only(const struct strv *args)
{
	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->v[i];
		if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 || strcmp(a, "-E") == 0 ||
			strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0 || strcmp(a, "-fsyntax-only") == 0)
			return true;
		if (argv_takes_value(a))
			i++;
	}
	return false;
}

/* a side-module link: an .so output, or rustc linking a cdylib (an .rlib among the inputs,
 * a .wasm output) */
static bool is_shared_output(const char *o, const struct strv *args)
{
	return o && (str_endswith(o, ".so") || strstr(path_basename(o), ".so.") ||
		(str_endswith(o, ".wasm") && rust_link_is_rust(args)));
}

/* a query like `cc -v` or `cc --version`: passed to emcc as is */
static bool is_query(int n, char **args)
{
	if (n == 0)
		return true;
	for (int i = 0; i < n; i++) {
		const char *a = args[i];
		if (a[0] != '-')
			return false;
		if (argv_takes_value(a))
			i++;
	}
	return true;
}

static int tool_compiler(struct wrap *w, int argc, char **argv, bool cxx)
{
	struct strv args = {0};
	int status = 1;
	bool any_cxx = cxx;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' && is_cxx_source(argv[i]))
			any_cxx = true;
	const char *driver = any_cxx ? w->ce.emxx : w->ce.emcc;
	if (is_query(argc - 1, argv + 1)) {
		if (argc == 2 && strcmp(argv[1], "-print-multiarch") == 0) {
			buf_puts(&w->said, "wasm32-emscripten\n");
			return 0;
		}
		strv_add(&w->cmd, driver);
		for (int i = 1; i < argc; i++)
			strv_add(&w->cmd, argv[i]);
		return -1;
	}
	for (const char *const *e = werror_extra; !w->em && *e; e++)
		strv_add(&args, *e);
	for (const char *const *e = crossenv_abi_flags(&w->ce); *e; e++)
		strv_add(&args, *e);
	if (!rewrite_args(w, argv + 1, argc - 1, &args, &status))
		goto out;
	const char *o = argv_output(&args);
	if (is_compile_only(&args)) {
		if (fast_allowed(w) && wrap_fast_compile(&w->ce, any_cxx, args.v, args.n, &w->cmd)) {
			status = -1;
			goto out;
		}
	} else if (is_shared_output(o, &args)) {
		for (size_t i = 0; i < args.n; i++) {
			if (args.v[i][0] == '-' && argv_takes_value(args.v[i]))
				i++;
			else if (args.v[i][0] != '-' && is_source(args.v[i])) {
				status = link_from_sources(w, &args, any_cxx, driver);
				goto out;
			}
		}
		strv_add(&w->cmd, driver);
		status = link_shared(w, &args, any_cxx, &w->cmd) ? -1 : 1;
		goto out;
	}
	strv_add(&w->cmd, driver);
	for (size_t i = 0; i < args.n; i++)
		strv_add(&w->cmd, args.v[i]);
	status = -1;
out:
	strv_free(&args);
	return status;
}

static int tool_cc(struct wrap *w, int argc, char **argv)
{
	return tool_compiler(w, argc, argv, false);
}

static int tool_cxx(struct wrap *w, int argc, char **argv)
{
	return tool_compiler(w, argc, argv, true);
}

static int tool_emcc(struct wrap *w, int argc, char **argv)
{
	w->em = true;
	return tool_compiler(w, argc, argv, false);
}

static int tool_emxx(struct wrap *w, int argc, char **argv)
{
	w->em = true;
	return tool_compiler(w, argc, argv, true);
}

static int tool_simple(struct wrap *w, int argc, char **argv, const char *prog)
{
	strv_add(&w->cmd, prog);
	for (int i = 1; i < argc; i++)
		strv_add(&w->cmd, argv[i]);
	return -1;
}

static int tool_ar(struct wrap *w, int argc, char **argv)
{
	return tool_simple(w, argc, argv, w->ce.emar);
}

static int tool_ranlib(struct wrap *w, int argc, char **argv)
{
	return tool_simple(w, argc, argv, w->ce.emranlib);
}

static int tool_strip(struct wrap *w, int argc, char **argv)
{
	return tool_simple(w, argc, argv, w->ce.llvm_strip);
}

/* the real program of that name on PATH, not our own bin/ */
static char *real_tool(struct wrap *w, const char *name)
{
	char *bin = crossenv_path(&w->ce, "bin");
	char *p = proc_which(name, bin);
	free(bin);
	if (!p)
		log_err("%s: no %s on PATH besides kiln's own", w->tool, name);
	return p;
}

static int tool_cmake(struct wrap *w, int argc, char **argv)
{
	char *cmake = real_tool(w, "cmake");
	if (!cmake)
		return 1;
	strv_push(&w->cmd, cmake);
	bool configure = true, has_tc = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--build") == 0 || strcmp(a, "--install") == 0 || strcmp(a, "-E") == 0 ||
			strcmp(a, "-P") == 0 || strcmp(a, "--version") == 0 || strcmp(a, "--help") == 0 ||
			str_startswith(a, "--find-package"))
			configure = false;
		if (str_startswith(a, "-DCMAKE_TOOLCHAIN_FILE") || str_startswith(a, "--toolchain"))
			has_tc = true;
	}
	if (configure && !has_tc) {
		char *tc = crossenv_path(&w->ce, CROSSENV_CMAKE_TOOLCHAIN);
		strv_push(&w->cmd, xasprintf("-DCMAKE_TOOLCHAIN_FILE=%s", tc));
		free(tc);
	}
	for (int i = 1; i < argc; i++)
		strv_add(&w->cmd, argv[i]);
	return -1;
}

static int tool_meson(struct wrap *w, int argc, char **argv)
{
	char *meson = real_tool(w, "meson");
	if (!meson)
		return 1;
	strv_push(&w->cmd, meson);
	bool setup = argc > 1 && strcmp(argv[1], "setup") == 0, has_cross = false;
	for (int i = 1; i < argc; i++)
		if (str_startswith(argv[i], "--cross-file"))
			has_cross = true;
	for (int i = 1; i < argc; i++) {
		strv_add(&w->cmd, argv[i]);
		if (i == 1 && setup && !has_cross) {
			char *cf = crossenv_path(&w->ce, CROSSENV_MESON_CROSS);
			strv_push(&w->cmd, xasprintf("--cross-file=%s", cf));
			free(cf);
		}
	}
	return -1;
}

/* ---- emconfigure, emmake, emcmake: Emscripten's helpers, on this environment ---- */

/* the command after the helper's name, or a usage message as Emscripten's helpers give */
static bool helper_args(struct wrap *w, int argc, char **argv, const char *what)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "--version") == 0) {
		log_err("usage: %s %s [ARGS...]: runs it with the environment's emcc, em++, emar "
			"and emranlib (kiln's wrapper) as CC, CXX, AR and RANLIB", w->tool, what);
		return false;
	}
	for (int i = 1; i < argc; i++)
		strv_add(&w->cmd, argv[i]);
	return true;
}

static void set_bin_var(const struct wrap *w, const char *var, const char *tool)
{
	char *p = xasprintf("%s/bin/%s", w->ce.dir, tool);
	setenv(var, p, 1);
	free(p);
}

/* NODE_OPTIONS for the test programs that the command runs under node (the helpers
 * only: the build environment runs Pyodide, which needs fetch()), and bin/ first on PATH */
static void helper_path_env(const struct wrap *w)
{
	char *opt = crossenv_node_options(w->ce.node_options, getenv("NODE_OPTIONS"));
	if (*opt)
		setenv("NODE_OPTIONS", opt, 1);
	free(opt);
	char *bin = crossenv_path(&w->ce, "bin");
	const char *path = getenv("PATH");
	size_t n = strlen(bin);
	if (!path || strncmp(path, bin, n) != 0 || (path[n] != ':' && path[n] != '\0')) {
		char *p = path && *path ? xasprintf("%s:%s", bin, path) : xstrdup(bin);
		setenv("PATH", p, 1);
		free(p);
	}
	free(bin);
}

/* what Emscripten's get_building_env() sets, with this environment's tools: CC is
 * bin/emcc (kiln), so configure's compiles and links go through the wrapper */
static void building_env(const struct wrap *w)
{
	static const char *const tools[][2] = {{"CC", "emcc"}, {"CXX", "em++"}, {"AR", "emar"},
		{"LD", "emcc"}, {"LDSHARED", "emcc"}, {"RANLIB", "emranlib"}, {"CROSS_COMPILE", "em"}};
	for (size_t i = 0; i < ARRAY_LEN(tools); i++)
		set_bin_var(w, tools[i][0], tools[i][1]);
	setenv("NM", w->ce.llvm_nm, 1);
	setenv("HOST_CC", w->ce.clang, 1);
	setenv("HOST_CXX", w->ce.clangxx, 1);
	setenv("HOST_CFLAGS", "-W", 1);
	setenv("HOST_CXXFLAGS", "-W", 1);
	setenv("EMSCRIPTEN", w->ce.emscripten_root, 1);
	char *t = path_join(w->ce.emscripten_root, "tools");
	setenv("EMSCRIPTEN_TOOLS", t, 1);
	free(t);
	/* kiln's build environment already names the library prefix's pkg-config files */
	const char *pc = getenv("PKG_CONFIG_LIBDIR");
	if ((!pc || !*pc) && *w->ce.sysroot) {
		char *d = path_join(w->ce.sysroot, "lib/pkgconfig");
		setenv("PKG_CONFIG_LIBDIR", d, 1);
		free(d);
	}
	const char *em_pc = getenv("EM_PKG_CONFIG_PATH");
	setenv("PKG_CONFIG_PATH", em_pc ? em_pc : "", 1);
	helper_path_env(w);
}

static int tool_emconfigure(struct wrap *w, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "cmake") == 0 || str_endswith(argv[i], "/cmake")) {
			log_err("%s: use emcmake rather than emconfigure for cmake projects", w->tool);
			return 1;
		}
	if (!helper_args(w, argc, argv, "./configure"))
		return 1;
	building_env(w);
	/* emcc links configure's programs as node scripts with a #! line */
	setenv("EMMAKEN_JUST_CONFIGURE", "1", 1);
	return -1;
}

static int tool_emmake(struct wrap *w, int argc, char **argv)
{
	if (!helper_args(w, argc, argv, "make"))
		return 1;
	building_env(w);
	return -1;
}

static bool has_substr(int argc, char **argv, const char *s)
{
	for (int i = 1; i < argc; i++)
		if (strstr(argv[i], s))
			return true;
	return false;
}

static int tool_emcmake(struct wrap *w, int argc, char **argv)
{
	if (!helper_args(w, argc, argv, "cmake"))
		return 1;
	if (!has_substr(argc, argv, "-DCMAKE_TOOLCHAIN_FILE")) {
		char *tc = crossenv_path(&w->ce, CROSSENV_CMAKE_TOOLCHAIN);
		strv_push(&w->cmd, xasprintf("-DCMAKE_TOOLCHAIN_FILE=%s", tc));
		free(tc);
	}
	if (!has_substr(argc, argv, "-DCMAKE_CROSSCOMPILING_EMULATOR"))
		strv_push(&w->cmd, xasprintf("-DCMAKE_CROSSCOMPILING_EMULATOR=node%s%s",
			*w->ce.node_options ? ";" : "", w->ce.node_options));
	helper_path_env(w);
	return -1;
}

/* Returns an exit status, or -1 with w->cmd holding the command to exec. */
typedef int (*tool_fn)(struct wrap *w, int argc, char **argv);

static const struct tool {
	const char *name;
	tool_fn fn;
} tools[] = {
	{"cc", tool_cc}, {"gcc", tool_cc}, {"ld", tool_cc}, {"lld", tool_cc},
	{"c++", tool_cxx}, {"g++", tool_cxx},
	{"ar", tool_ar}, {"ranlib", tool_ranlib}, {"strip", tool_strip},
	{"cmake", tool_cmake}, {"meson", tool_meson},
	{"emcc", tool_emcc}, {"em++", tool_emxx}, {"emar", tool_ar}, {"emranlib", tool_ranlib},
	{"emconfigure", tool_emconfigure}, {"emmake", tool_emmake}, {"emcmake", tool_emcmake},
};

static const struct tool *find_tool(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(tools); i++)
		if (strcmp(tools[i].name, name) == 0)
			return &tools[i];
	return NULL;
}

bool wrap_is_tool(const char *name)
{
	return find_tool(name) != NULL;
}

/* the environment from $KILN_CROSSENV, else from where the bin/ link that started us is */
static bool find_env(struct wrap *w, const char *argv0)
{
	const char *env = getenv("KILN_CROSSENV");
	if (env && *env)
		return crossenv_load(env, &w->ce);
	char *link = strchr(argv0, '/') ? xstrdup(argv0) : proc_which(argv0, NULL);
	bool ok = false;
	if (link) {
		/* the directory holding the link, not where the link points */
		char *d = path_dirname(link);
		char *bin = realpath(d, NULL);
		char *dir = bin ? path_dirname(bin) : NULL;
		ok = dir && crossenv_load(dir, &w->ce);
		free(d);
		free(bin);
		free(dir);
		free(link);
	}
	return ok;
}

bool wrap_open(struct wrap *w, const char *argv0)
{
	memset(w, 0, sizeof(*w));
	w->tool = path_basename(argv0);
	w->dry = dry_run();
	if (!find_tool(w->tool))
		return false;
	if (!find_env(w, argv0)) {
		log_err("%s: no kiln cross environment (set KILN_CROSSENV or run this tool from "
			"the bin/ of one; 'kiln crossenv env' prints the settings)", w->tool);
		return false;
	}
	return true;
}

int wrap_run(struct wrap *w, int argc, char **argv)
{
	const struct tool *t = find_tool(w->tool);
	if (!t) {
		log_err("%s: not a tool of the wrapper", w->tool);
		return 1;
	}
	return t->fn(w, argc, argv);
}

void wrap_free(struct wrap *w)
{
	compat_link_free(&w->compat);
	strv_free(&w->cmd);
	buf_free(&w->said);
	crossenv_free(&w->ce);
}

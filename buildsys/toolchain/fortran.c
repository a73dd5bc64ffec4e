#include "toolchain/fortran.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "toolchain/argv.h"
#include "toolchain/fortran_runtime.h"

#define FC_FLANG "flang-new-19"
#define FC_OPT "opt-19"
#define FC_LLC "llc-19"
#define FC_EMCC "emcc"
#define FC_TRIPLE "wasm32-unknown-emscripten"
#define FC_RUNTIME_LIB "libFortranRuntime.a"

static const char *const driver_names[] = {"gfortran", "f77", "f90", "f95", "flang", "flang-new",
	NULL};

static const char *const fortran_exts[] = {
	".f", ".F", ".f90", ".F90", ".f95", ".F95", ".f03", ".F03", ".f08", ".F08",
	".f77", ".F77", ".for", ".FOR", ".ftn", ".FTN", ".fpp", ".FPP",
	NULL,
};

/* gfortran/flang options that are passed to flang-new unchanged */
static const char *const flang_flags[] = {
	"-cpp", "-nocpp", "-ffixed-form", "-ffree-form", "-fdefault-real-8",
	"-fdefault-integer-8", "-fdefault-double-8", "-fimplicit-none", "-fno-implicit-none",
	"-fbackslash", "-fno-backslash", "-flogical-abbreviations", "-fxor-operator",
	"-fno-automatic", "-funderscoring", "-fno-underscoring",
	NULL,
};

/* options that take the next argument and are dropped at compile time */
static const char *const dropped_with_arg[] = {"-MF", "-MT", "-MQ", "-Xlinker", "-install_name",
	NULL};

/* GNU ld options in -Wl, that wasm-ld does not know; those in the second
 * list take a value as the next item */
static const char *const wl_dropped[] = {
	"--as-needed", "--no-as-needed", "--allow-shlib-undefined", "--no-allow-shlib-undefined",
	"--start-group", "--end-group", "--enable-new-dtags", "--disable-new-dtags",
	"--copy-dt-needed-entries", "--no-copy-dt-needed-entries", "-Bsymbolic", "-Bsymbolic-functions",
	NULL,
};
static const char *const wl_dropped_with_value[] = {"-soname", "-h", "-rpath", "-rpath-link",
	"--version-script", "-z", NULL};

struct fc {
	const char *prog;
	struct strv srcs, inputs, flang, link;
	const char *out, *depfile, *deptarget;
	char mode; /* 'c' object, 'S' assembly, 'E' preprocess, 'l' link */
	char olevel;
	bool shared, verbose, has_exports;
	char *tmp;
};

bool fortran_is_driver_name(const char *name)
{
	return argv_in_list(name, driver_names);
}

static bool is_fortran_source(const char *p)
{
	const char *dot = strrchr(path_basename(p), '.');
	if (!dot)
		return false;
	return argv_in_list(dot, fortran_exts);
}

/* the directory holding the running executable, or NULL */
static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return path_dirname(buf);
}

static char *irfix_path(void)
{
	const char *env = getenv("KILN_IRFIX");
	if (env && *env)
		return xstrdup(env);
	char *dir = self_dir(), *p = NULL;
	if (dir) {
		p = path_join(dir, "kiln-irfix");
		if (access(p, X_OK) != 0) {
			free(p);
			p = xasprintf("%s/../libexec/kiln/kiln-irfix", dir);
			if (access(p, X_OK) != 0) {
				free(p);
				p = NULL;
			}
		}
	}
	free(dir);
	if (!p)
		log_err("kiln-irfix not found next to kiln or in ../libexec/kiln (set KILN_IRFIX)");
	return p;
}

/* "19.1.7" from flang-new-19 -dumpversion */
static char *flang_version(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/kiln-fc-version-XXXXXX", t && *t ? t : "/tmp"), *v = NULL;
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		free(tmpl);
		return xstrdup("19");
	}
	close(fd);
	const char *argv[] = {FC_FLANG, "-dumpversion", NULL};
	if (fortran_run(argv, NULL, tmpl))
		v = read_file(tmpl, NULL);
	unlink(tmpl);
	free(tmpl);
	if (!v)
		return xstrdup("19");
	v[strcspn(v, "\r\n")] = '\0';
	return v;
}

char *fortran_version(const char *prog)
{
	char *v = flang_version(), *dir = self_dir();
	char *text = xasprintf("flang-new version %s (kiln %s: Fortran to " FC_TRIPLE
		" via flang's i386 target)\nTarget: " FC_TRIPLE "\nThread model: posix\n"
		"InstalledDir: %s\n", v, prog, dir ? dir : ".");
	free(v);
	free(dir);
	return text;
}

/* -print-search-dirs, -print-file-name=: where the runtime is */
static char *query_runtime(const char *a, int *rc)
{
	char *rt = NULL, *text;
	if (strcmp(a, "-print-search-dirs") == 0 || strcmp(a, "--print-search-dirs") == 0) {
		rt = fortran_runtime_ensure();
		text = xasprintf("install: %s/\nprograms: =\nlibraries: =%s\n", rt ? rt : "",
			rt ? rt : "");
		*rc = rt ? 0 : 1;
	} else {
		const char *name = a + strlen("-print-file-name=");
		bool runtime = strcmp(name, FC_RUNTIME_LIB) == 0 || strcmp(name, "libgfortran.a") == 0;
		char *p = NULL;
		rt = runtime ? fortran_runtime_ensure() : NULL;
		p = rt ? path_join(rt, FC_RUNTIME_LIB) : NULL;
		text = xasprintf("%s\n", p ? p : name);
		*rc = runtime && !rt;
		free(p);
	}
	free(rt);
	return text;
}

char *fortran_query(const char *prog, int argc, char **argv, int *rc)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		*rc = 0;
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)
			return fortran_version(prog);
		if (strcmp(a, "-dumpversion") == 0 || strcmp(a, "-dumpfullversion") == 0) {
			char *v = flang_version(), *text = xasprintf("%s\n", v);
			free(v);
			return text;
		}
		if (strcmp(a, "-dumpmachine") == 0 || strcmp(a, "-print-target-triple") == 0 ||
			strcmp(a, "-print-effective-triple") == 0)
			return xstrdup(FC_TRIPLE "\n");
		if (strcmp(a, "-print-multi-os-directory") == 0 ||
			strcmp(a, "-print-multi-directory") == 0)
			return xstrdup(".\n");
		if (strcmp(a, "-print-search-dirs") == 0 || strcmp(a, "--print-search-dirs") == 0 ||
			str_startswith(a, "-print-file-name="))
			return query_runtime(a, rc);
		if (str_startswith(a, "-print-prog-name="))
			return xasprintf("%s\n", a + strlen("-print-prog-name="));
		if (strcmp(a, "-print-libgcc-file-name") == 0)
			return xstrdup("libgcc.a\n");
	}
	return NULL;
}

/* -Wl,a,b,... without the items wasm-ld does not know; NULL if none is left */
static char *filter_wl(const char *arg)
{
	char *items = xstrdup(arg + 4), *save = NULL;
	struct buf b = {0};
	bool skip_value = false;
	buf_puts(&b, "-Wl");
	for (char *t = strtok_r(items, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (skip_value) {
			skip_value = false;
			continue;
		}
		if (argv_in_list(t, wl_dropped) || str_startswith(t, "--version-script=") ||
		    str_startswith(t, "-soname=") || str_startswith(t, "-rpath="))
			continue;
		if (argv_in_list(t, wl_dropped_with_value)) {
			skip_value = true;
			continue;
		}
		buf_printf(&b, ",%s", t);
	}
	free(items);
	if (b.len == 3) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

static bool parse(struct fc *fc, int argc, char **argv)
{
	fc->mode = 'l';
	fc->olevel = '0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || a[1] == '\0') {
			strv_add(is_fortran_source(a) ? &fc->srcs : &fc->inputs, a);
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 || strcmp(a, "-E") == 0) {
			fc->mode = a[1] == 'c' ? 'c' : a[1];
		} else if (strcmp(a, "-o") == 0) {
			if (!next)
				goto missing;
			fc->out = argv[++i];
		} else if (str_startswith(a, "-o")) {
			fc->out = a + 2;
		} else if (a[1] == 'O') {
			char l = a[2];
			fc->olevel = l == '\0' ? '1' : (l == 's' || l == 'z' || l == 'g') ? '2' : l == 'f' ? '3' : l;
			if (fc->olevel < '0' || fc->olevel > '3')
				fc->olevel = '2';
		} else if (strcmp(a, "-I") == 0 || strcmp(a, "-J") == 0 || strcmp(a, "-module-dir") == 0 ||
			   strcmp(a, "-module") == 0 || strcmp(a, "-D") == 0 || strcmp(a, "-U") == 0 || strcmp(a, "-x") == 0) {
			if (!next)
				goto missing;
			strv_add(&fc->flang, str_startswith(a, "-module") ? "-J" : a);
			strv_add(&fc->flang, argv[++i]);
		} else if (a[1] == 'I' || a[1] == 'J' || a[1] == 'D' || a[1] == 'U') {
			strv_add(&fc->flang, a);
		} else if (argv_in_list(a, flang_flags)) {
			strv_add(&fc->flang, a);
		} else if (str_startswith(a, "-ffixed-line-length-") || str_startswith(a, "-ffixed-line-length=")) {
			strv_push(&fc->flang, xasprintf("-ffixed-line-length=%s", a + strlen("-ffixed-line-length-")));
		} else if (strcmp(a, "-fopenmp") == 0 || strcmp(a, "-qopenmp") == 0 || strcmp(a, "-mp") == 0) {
			log_err("%s: OpenMP is not available for wasm32", fc->prog);
			return false;
		} else if (strcmp(a, "-shared") == 0) {
			fc->shared = true;
		} else if (strcmp(a, "-v") == 0) {
			fc->verbose = true;
		} else if (strcmp(a, "-L") == 0 || strcmp(a, "-l") == 0 || strcmp(a, "-s") == 0) {
			if (!next)
				goto missing;
			strv_add(&fc->link, a);
			strv_add(&fc->link, argv[++i]);
			fc->has_exports |= strstr(next, "EXPORTED_FUNCTIONS") != NULL;
		} else if (a[1] == 'L' || a[1] == 'l' || str_startswith(a, "-Wl,") || (a[1] == 's' && a[2] >= 'A' && a[2] <= 'Z')) {
			if (a[1] == 'l' && (strcmp(a, "-lgfortran") == 0 || strcmp(a, "-lflang") == 0 ||
					    strcmp(a, "-lFortranRuntime") == 0 || strcmp(a, "-lpgmath") == 0 ||
					    strcmp(a, "-lquadmath") == 0 || strcmp(a, "-lFortranDecimal") == 0))
				continue;
			fc->has_exports |= strstr(a, "EXPORTED_FUNCTIONS") != NULL;
			char *kept = str_startswith(a, "-Wl,") ? filter_wl(a) : xstrdup(a);
			if (kept)
				strv_push(&fc->link, kept);
		} else if (strcmp(a, "-MD") == 0 || strcmp(a, "-MMD") == 0) {
			if (!fc->depfile)
				fc->depfile = "";
		} else if (strcmp(a, "-MF") == 0 && next) {
			fc->depfile = argv[++i];
		} else if ((strcmp(a, "-MT") == 0 || strcmp(a, "-MQ") == 0) && next) {
			fc->deptarget = argv[++i];
		} else if (argv_in_list(a, dropped_with_arg)) {
			i++;
		} else {
			/* -W*, -f*, -m*, -g*, -M*, -std=, -pedantic, -fPIC...: no meaning for the proxy */
			log_debug("%s: ignoring %s", fc->prog, a);
		}
	}
	return true;
missing:
	log_err("%s: missing argument to '%s'", fc->prog, argv[argc - 1]);
	return false;
}

static char *olevel_flag(const struct fc *fc)
{
	return xasprintf("-O%c", fc->olevel);
}

/* pass on what a compiler wrote to path (its stderr) without the "BISECT: NOT running
 * pass" lines that -opt-bisect-limit=0 makes flang print */
static void relay_stderr(const char *path)
{
	char *text = read_file(path, NULL);
	struct buf b = {0};
	if (!text)
		return;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		if (!str_startswith(line, "BISECT: "))
			buf_add(&b, line, (size_t)(nl - line) + 1);
		if (!nl[1])
			break;
	}
	if (b.len && b.s[b.len - 1] == '\n')
		b.s[--b.len] = '\0';
	if (b.len)
		log_info("%s", b.s);
	buf_free(&b);
	free(text);
}

/* run argv (stdout to out_path, stderr to err_path unless NULL), echoed with -v */
static bool run_cmd(const struct fc *fc, struct strv *argv, const char *out_path, const char *err_path)
{
	if (fc->verbose) {
		struct buf b = {0};
		for (size_t i = 0; i < argv->n; i++)
			buf_printf(&b, " %s", argv->v[i]);
		log_info("%s", b.s);
		buf_free(&b);
	}
	strv_push(argv, NULL);
	bool ok = fortran_run_err((const char *const *)argv->v, NULL, out_path, err_path);
	argv->n--;
	return ok;
}

static bool run_logged(const struct fc *fc, struct strv *argv, const char *out_path)
{
	return run_cmd(fc, argv, out_path, NULL);
}

static bool make_tmp(struct fc *fc)
{
	if (fc->tmp)
		return true;
	const char *t = getenv("TMPDIR");
	fc->tmp = xasprintf("%s/kiln-fc-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(fc->tmp)) {
		log_err("cannot create a temporary directory: %s", strerror(errno));
		free(fc->tmp);
		fc->tmp = NULL;
		return false;
	}
	return true;
}

static bool write_depfile(const struct fc *fc, const char *src, const char *obj)
{
	char *path = fc->depfile && *fc->depfile ? xstrdup(fc->depfile) : xasprintf("%s.d", obj);
	char *text = xasprintf("%s: %s\n", fc->deptarget ? fc->deptarget : obj, src);
	bool ok = write_file_atomic(path, text, strlen(text));
	if (!ok)
		log_err("cannot write %s: %s", path, strerror(errno));
	free(path);
	free(text);
	return ok;
}

/* one Fortran source to a wasm32 object (or assembly with -S) */
static bool compile_one(struct fc *fc, const char *src, const char *out, const char *rt)
{
	static unsigned seq;
	char *bc = xasprintf("%s/%u.flang.bc", fc->tmp, seq);
	char *fixed = xasprintf("%s/%u.fixed.bc", fc->tmp, seq);
	char *opt = xasprintf("%s/%u.opt.bc", fc->tmp, seq);
	char *errlog = xasprintf("%s/%u.stderr", fc->tmp, seq++);
	char *sigs = path_join(rt, "signatures.tsv"), *irfix = irfix_path(), *ol = olevel_flag(fc);
	struct strv a = {0};
	bool ok = false;
	if (!irfix)
		goto out;
	strv_add(&a, FC_FLANG);
	strv_add(&a, "--target=i386-unknown-linux-gnu");
	strv_add(&a, ol);
	strv_add(&a, "-fPIC");
	if (fc->olevel != '0') {
		/* flang's own FIR optimisations, but no LLVM pass on the i386 layout */
		strv_add(&a, "-mllvm");
		strv_add(&a, "-opt-bisect-limit=0");
	}
	for (size_t i = 0; i < fc->flang.n; i++)
		strv_add(&a, fc->flang.v[i]);
	strv_add(&a, "-emit-llvm");
	strv_add(&a, "-c");
	strv_add(&a, src);
	strv_add(&a, "-o");
	strv_add(&a, bc);
	ok = run_cmd(fc, &a, NULL, errlog);
	relay_stderr(errlog);
	unlink(errlog);
	if (!ok)
		goto out;
	ok = false;
	strv_free(&a);
	strv_add(&a, irfix);
	strv_add(&a, "--sigs");
	strv_add(&a, sigs);
	const char *disable = getenv("KILN_IRFIX_DISABLE");
	if (disable && *disable) {
		char *list = xstrdup(disable), *save = NULL;
		for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			strv_push(&a, xasprintf("--no-%s", t));
		free(list);
	}
	strv_add(&a, bc);
	strv_add(&a, "-o");
	strv_add(&a, fixed);
	if (!run_logged(fc, &a, NULL))
		goto out;
	strv_free(&a);
	strv_add(&a, FC_OPT);
	strv_add(&a, ol);
	strv_add(&a, fixed);
	strv_add(&a, "-o");
	strv_add(&a, opt);
	if (!run_logged(fc, &a, NULL))
		goto out;
	strv_free(&a);
	strv_add(&a, FC_LLC);
	strv_add(&a, ol);
	strv_add(&a, "-mtriple=" FC_TRIPLE);
	strv_add(&a, "-mcpu=mvp");
	strv_add(&a, "-relocation-model=pic");
	strv_add(&a, fc->mode == 'S' ? "-filetype=asm" : "-filetype=obj");
	strv_add(&a, opt);
	strv_add(&a, "-o");
	strv_add(&a, out);
	if (!run_logged(fc, &a, NULL))
		goto out;
	ok = !fc->depfile || write_depfile(fc, src, out);
out:
	strv_free(&a);
	unlink(bc);
	unlink(fixed);
	unlink(opt);
	free(bc);
	free(fixed);
	free(opt);
	free(errlog);
	free(sigs);
	free(irfix);
	free(ol);
	return ok;
}

/* "dir/name.f90" -> "name.o" (or .s) */
static char *default_output(const char *src, char mode)
{
	const char *base = path_basename(src), *dot = strrchr(base, '.');
	size_t n = dot ? (size_t)(dot - base) : strlen(base);
	return xasprintf("%.*s.%s", (int)n, base, mode == 'S' ? "s" : "o");
}

static bool preprocess(struct fc *fc)
{
	struct strv a = {0};
	bool ok = true;
	for (size_t i = 0; i < fc->srcs.n && ok; i++) {
		strv_add(&a, FC_FLANG);
		strv_add(&a, "--target=i386-unknown-linux-gnu");
		for (size_t k = 0; k < fc->flang.n; k++)
			strv_add(&a, fc->flang.v[k]);
		strv_add(&a, "-E");
		strv_add(&a, fc->srcs.v[i]);
		ok = run_logged(fc, &a, fc->out);
		strv_free(&a);
	}
	return ok;
}

/* the exported functions of a side module: those its own objects define */
static bool write_exports(struct fc *fc, const struct strv *objs, char **path)
{
	struct buf json = {0};
	struct strv names = {0};
	bool ok = true;
	for (size_t i = 0; i < objs->n && ok; i++)
		if (str_endswith(objs->v[i], ".o") || str_endswith(objs->v[i], ".a"))
			ok = fortran_wasm_defined_functions(objs->v[i], &names);
	buf_putc(&json, '[');
	for (size_t i = 0; i < names.n; i++)
		buf_printf(&json, "%s\"_%s\"", i ? "," : "", names.v[i]);
	buf_puts(&json, "]\n");
	*path = path_join(fc->tmp, "exports.json");
	if (ok && !write_file_atomic(*path, json.s, json.len)) {
		log_err("cannot write %s: %s", *path, strerror(errno));
		ok = false;
	}
	buf_free(&json);
	strv_free(&names);
	return ok;
}

static bool link_all(struct fc *fc, const struct strv *objs, const char *rt)
{
	struct strv a = {0};
	char *exports = NULL, *lib = path_join(rt, FC_RUNTIME_LIB);
	bool ok = false;
	if (!make_tmp(fc))
		goto out;
	strv_add(&a, FC_EMCC);
	if (fc->shared) {
		strv_add(&a, "-sSIDE_MODULE=2");
		if (!fc->has_exports) {
			if (!write_exports(fc, objs, &exports))
				goto out;
			strv_push(&a, xasprintf("-sEXPORTED_FUNCTIONS=@%s", exports));
		}
	}
	strv_add(&a, "-sWASM_BIGINT");
	strv_add(&a, "-Wl,--fatal-warnings");
	for (size_t i = 0; i < objs->n; i++)
		strv_add(&a, objs->v[i]);
	for (size_t i = 0; i < fc->link.n; i++)
		strv_add(&a, fc->link.v[i]);
	strv_add(&a, lib);
	strv_add(&a, "-o");
	strv_add(&a, fc->out ? fc->out : "a.out");
	ok = run_logged(fc, &a, NULL);
out:
	strv_free(&a);
	free(exports);
	free(lib);
	return ok;
}

int fortran_drive(int argc, char **argv)
{
	struct fc fc = {.prog = path_basename(argv[0])};
	struct strv objs = {0};
	char *rt = NULL;
	int rc = 1;
	if (!parse(&fc, argc, argv))
		goto out;
	if (fc.verbose && argc == 2) {
		char *v = fortran_version(fc.prog);
		v[strlen(v) - 1] = '\0';
		log_info("%s", v);
		free(v);
		rc = 0;
		goto out;
	}
	if (fc.mode == 'E') {
		rc = preprocess(&fc) ? 0 : 1;
		goto out;
	}
	if (fc.srcs.n == 0 && fc.inputs.n == 0 && fc.mode == 'l' && fc.link.n) {
		/* linker probes such as -Wl,--version (meson): the linker is emcc's */
		strv_add(&objs, FC_EMCC);
		for (size_t i = 0; i < fc.link.n; i++)
			strv_add(&objs, strcmp(fc.link.v[i], "-Wl,-v") == 0 ? "-Wl,--version" : fc.link.v[i]);
		rc = run_logged(&fc, &objs, NULL) ? 0 : 1;
		goto out;
	}
	if (fc.srcs.n == 0 && fc.inputs.n == 0) {
		log_err("%s: no input files", fc.prog);
		goto out;
	}
	if (fc.mode != 'l' && fc.out && fc.srcs.n > 1) {
		log_err("%s: cannot specify -o with -%c and multiple files", fc.prog, fc.mode);
		goto out;
	}
	if (!(rt = fortran_runtime_ensure()))
		goto out;
	if (fc.srcs.n && !make_tmp(&fc))
		goto out;
	for (size_t i = 0; i < fc.srcs.n; i++) {
		char *o;
		if (fc.mode == 'l')
			o = xasprintf("%s/in%zu.o", fc.tmp, i);
		else
			o = fc.out ? xstrdup(fc.out) : default_output(fc.srcs.v[i], fc.mode);
		strv_push(&objs, o);
		if (!compile_one(&fc, fc.srcs.v[i], o, rt))
			goto out;
	}
	if (fc.mode == 'l') {
		for (size_t i = 0; i < fc.inputs.n; i++)
			strv_add(&objs, fc.inputs.v[i]);
		if (!link_all(&fc, &objs, rt))
			goto out;
	}
	rc = 0;
out:
	if (fc.tmp) {
		for (size_t i = 0; i < fc.srcs.n && fc.mode == 'l'; i++)
			unlink(objs.v[i]);
		char *ex = path_join(fc.tmp, "exports.json");
		unlink(ex);
		free(ex);
		rmdir(fc.tmp);
		free(fc.tmp);
	}
	strv_free(&objs);
	strv_free(&fc.srcs);
	strv_free(&fc.inputs);
	strv_free(&fc.flang);
	strv_free(&fc.link);
	free(rt);
	return rc;
}

bool fortran_rewrite_link_args(struct strv *args)
{
	bool need = false;
	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->v[i];
		need |= strcmp(a, "-lgfortran") == 0 || strcmp(a, "-lflang") == 0 ||
			strcmp(a, "-lFortranRuntime") == 0;
	}
	if (!need)
		return true;
	char *rt = fortran_runtime_ensure();
	if (!rt)
		return false;
	char *lib = path_join(rt, FC_RUNTIME_LIB);
	size_t w = 0;
	bool placed = false;
	for (size_t i = 0; i < args->n; i++) {
		char *a = args->v[i];
		bool rtlib = strcmp(a, "-lgfortran") == 0 || strcmp(a, "-lflang") == 0 ||
			     strcmp(a, "-lFortranRuntime") == 0;
		bool drop = strcmp(a, "-lpgmath") == 0 || strcmp(a, "-lquadmath") == 0 ||
			    strcmp(a, "-lFortranDecimal") == 0 || (rtlib && placed);
		if (rtlib && !placed) {
			free(a);
			args->v[w++] = xstrdup(lib);
			placed = true;
		} else if (drop) {
			free(a);
		} else {
			args->v[w++] = a;
		}
	}
	args->n = w;
	free(lib);
	free(rt);
	return true;
}

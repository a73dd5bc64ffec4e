#include "toolchain/fortran_runtime.h"

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
#include "base/util.h"
#include "toolchain/wasm.h"

#define RT_FORMAT "kiln-fortran-runtime 1"
#define RT_SOURCE_PACKAGE "llvm-toolchain-19"
#define RT_DATA_DIR KILN_SOURCE_ROOT "/buildsys/toolchain/fortran-runtime"
#define RT_LLVM_ROOT "/usr/lib/llvm-19/bin"

static const char *const rt_patches[] = {
	"cfi-64bit-index.patch",
	"type-info-8byte-slots.patch",
};

static const char *const rt_shims = "complex4-shims.c";

/* the parts of the source tree the runtime needs */
static const char *const rt_extract[] = {
	"flang/runtime/",
	"flang/lib/Decimal/",
	"flang/include/flang/Runtime/",
	"flang/include/flang/Common/",
	"flang/include/flang/Decimal/",
	"flang/include/flang/ISO_Fortran_binding.h",
	"flang/include/flang/ISO_Fortran_binding_wrapper.h",
};

static const char *const rt_flags[] = {
	"-O2", "-fPIC", "-DFLANG_LITTLE_ENDIAN=1", "-Wno-c++11-narrowing",
	"-DFE_UNDERFLOW=0", "-DFE_OVERFLOW=0", "-DFE_INEXACT=0", "-DFE_INVALID=0",
	"-DFE_DIVBYZERO=0", "-U_GLIBCXX_ASSERTIONS", "-U_LIBCPP_ENABLE_ASSERTIONS",
};

static const char *const rt_cxxflags[] = {"-std=c++17", "-fno-exceptions", "-fno-rtti"};
static const char *const rt_cflags[] = {"-std=c11"};

static const char *const rt_env[] = {
	"EM_LLVM_ROOT=" RT_LLVM_ROOT,
	"EM_LLVM_ADD_VERSION=",
	"EM_CLANG_ADD_VERSION=",
	NULL,
};

static const char *const rt_config_h =
	"#ifndef FORTRAN_RUNTIME_CONFIG_H\n"
	"#define FORTRAN_RUNTIME_CONFIG_H\n"
	"#define HAVE_STRERROR_R 1\n"
	"#define HAVE_DECL_STRERROR_S 0\n"
	"#endif\n";

static pid_t spawn(const char *const argv[], const char *cwd, const char *out_path, const char *log_path,
		   const char *const *env)
{
	struct proc_opts o = {.cwd = cwd, .env_set = env};
	if (out_path)
		o.out = (struct proc_stream){PROC_FILE, .path = out_path};
	if (log_path)
		o.err = (struct proc_stream){PROC_FILE, .path = log_path};
	if (log_path && !out_path) {
		o.out = o.err;
		o.err = (struct proc_stream){PROC_AS_OUT};
	}
	struct proc p;
	return proc_start(&p, argv, &o) ? p.pid : -1;
}

static bool reap(pid_t pid, const char *what)
{
	int st;
	if (!proc_reap(pid, &st))
		return false;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (WIFEXITED(st))
		log_err("%s failed with status %d", what, WEXITSTATUS(st));
	else
		log_err("%s killed by signal %d", what, WTERMSIG(st));
	return false;
}

bool fortran_run(const char *const argv[], const char *cwd, const char *out_path)
{
	pid_t pid = spawn(argv, cwd, out_path, NULL, NULL);
	return pid > 0 && reap(pid, argv[0]);
}

bool fortran_run_err(const char *const argv[], const char *cwd, const char *out_path, const char *err_path)
{
	pid_t pid = spawn(argv, cwd, out_path, err_path, NULL);
	return pid > 0 && reap(pid, argv[0]);
}

/* ---- the source package ---- */

struct rt_source {
	char *dir, *tarball;
	char sha256[65];
};

/* find the .dsc in dir and the sha256 of its orig tarball */
static bool source_read_dsc(struct rt_source *s)
{
	DIR *d = opendir(s->dir);
	char *dsc = NULL, *text = NULL;
	bool ok = false;
	if (!d)
		return false;
	for (struct dirent *e; (e = readdir(d));)
		if (str_startswith(e->d_name, RT_SOURCE_PACKAGE "_") && str_endswith(e->d_name, ".dsc") &&
		    (!dsc || strcmp(e->d_name, path_basename(dsc)) > 0)) {
			free(dsc);
			dsc = path_join(s->dir, e->d_name);
		}
	closedir(d);
	if (!dsc)
		return false;
	if (!(text = read_file(dsc, NULL))) {
		log_err("cannot read %s: %s", dsc, strerror(errno));
		goto out;
	}
	char *sect = strstr(text, "\nChecksums-Sha256:");
	for (char *line = sect ? strchr(sect + 1, '\n') : NULL; line && line[1] == ' '; line = strchr(line + 1, '\n')) {
		char hash[65], name[256];
		unsigned long long size;
		if (sscanf(line + 1, " %64s %llu %255s", hash, &size, name) == 3 && strstr(name, ".orig.tar.")) {
			memcpy(s->sha256, hash, sizeof(hash));
			s->tarball = path_join(s->dir, name);
			ok = true;
			break;
		}
	}
	if (!ok)
		log_err("%s: no orig tarball in Checksums-Sha256", dsc);
out:
	free(text);
	free(dsc);
	return ok;
}

/* the source package in <cache>/sources/llvm-toolchain-19, fetched with apt-get if absent */
static bool source_get(struct rt_source *s)
{
	char *root = path_join(config_cache_dir(), "sources");
	s->dir = path_join(root, RT_SOURCE_PACKAGE);
	bool ok = false;
	if (source_read_dsc(s)) {
		ok = true;
		goto out;
	}
	char *tmp = xasprintf("%s.tmp-%ld", s->dir, (long)getpid());
	remove_tree(tmp);
	if (!mkdir_p(tmp, 0755)) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		goto out;
	}
	log_info("fetching the %s source package (apt-get source)", RT_SOURCE_PACKAGE);
	const char *argv[] = {"apt-get", "source", "--download-only", "-qq", "-o", "APT::Sandbox::User=root",
			      RT_SOURCE_PACKAGE, NULL};
	if (!fortran_run(argv, tmp, "/dev/null")) {
		log_err("apt-get source %s failed (is a deb-src line for bookworm configured?)", RT_SOURCE_PACKAGE);
	} else if (rename(tmp, s->dir) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
		log_err("cannot rename %s: %s", tmp, strerror(errno));
	} else {
		ok = source_read_dsc(s);
		if (!ok)
			log_err("apt-get source left no %s .dsc in %s", RT_SOURCE_PACKAGE, s->dir);
	}
	remove_tree(tmp);
	free(tmp);
out:
	free(root);
	return ok;
}

static void source_free(struct rt_source *s)
{
	free(s->dir);
	free(s->tarball);
}

/* the runtime's parts of the tarball, written to disk */
struct extract {
	struct archive *disk;
	const char *dest;
	size_t n;
};

/* whether a path of the source tree (without its top directory) is one the runtime needs */
static bool wanted(const char *rel)
{
	for (size_t i = 0; i < ARRAY_LEN(rt_extract); i++)
		if (str_startswith(rel, rt_extract[i]))
			return true;
	return false;
}

/* the data of the current entry to the disk writer w */
static bool copy_data(struct archive *a, struct archive *w, const char *path)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
			log_err("%s: %s", path, archive_error_string(w));
			return false;
		}
	if (r != ARCHIVE_EOF || archive_write_finish_entry(w) != ARCHIVE_OK) {
		log_err("%s: %s", path, archive_error_string(r != ARCHIVE_EOF ? a : w));
		return false;
	}
	return true;
}

static enum arc_step extract_entry(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct extract *x = ctx;
	const char *p = archive_entry_pathname(e), *rel = p ? strchr(p, '/') : NULL;
	if (!rel || archive_entry_filetype(e) != AE_IFREG || !wanted(rel + 1))
		return ARC_NEXT;
	char *out = path_join(x->dest, rel + 1);
	archive_entry_set_pathname(e, out);
	bool ok = archive_write_header(x->disk, e) == ARCHIVE_OK;
	if (!ok)
		log_err("%s: %s", out, archive_error_string(x->disk));
	free(out);
	if (!ok || !copy_data(a, x->disk, archive_entry_pathname(e)))
		return ARC_FAIL;
	x->n++;
	return ARC_NEXT;
}

/* extract the runtime's parts of the tarball into dest, dropping the top directory */
static bool source_extract(const struct rt_source *s, const char *dest)
{
	char got[65];
	if (!hash_sha256_file(s->tarball, got)) {
		log_err("cannot read %s: %s", s->tarball, strerror(errno));
		return false;
	}
	if (strcmp(got, s->sha256) != 0) {
		log_err("%s: sha256 %s does not match the .dsc (%s)", s->tarball, got, s->sha256);
		return false;
	}
	struct extract x = {.disk = archive_write_disk_new(), .dest = dest};
	const struct arc_source src = {.path = s->tarball, .formats = ARC_TAR};
	/* entries are only written to dest/<one of rt_extract>...: the absolute
	 * destination is ours, ".." and symlinks are still refused */
	archive_write_disk_set_options(x.disk, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	bool ok = arc_each(&src, extract_entry, &x);
	if (ok && x.n == 0) {
		log_err("%s holds no flang/runtime", s->tarball);
		ok = false;
	}
	archive_write_free(x.disk);
	return ok;
}

/* ---- building ---- */

static char *runtime_hash(const struct rt_source *s)
{
	struct buf b = {0};
	bool ok = true;
	buf_printf(&b, "%s\n%s %s\n", RT_FORMAT, RT_SOURCE_PACKAGE, s->sha256);
	for (size_t i = 0; i <= ARRAY_LEN(rt_patches) && ok; i++) {
		const char *name = i < ARRAY_LEN(rt_patches) ? rt_patches[i] : rt_shims;
		char *p = path_join(RT_DATA_DIR, name), h[65];
		ok = hash_sha256_file(p, h);
		if (!ok)
			log_err("cannot read %s: %s", p, strerror(errno));
		buf_printf(&b, "%s %s\n", name, h);
		free(p);
	}
	for (size_t i = 0; i < ARRAY_LEN(rt_flags); i++)
		buf_printf(&b, "%s\n", rt_flags[i]);
	buf_printf(&b, "%s\n", RT_LLVM_ROOT);
	char h[65];
	hash_sha256_hex(b.s, b.len, h);
	buf_free(&b);
	return ok ? xstrdup(h) : NULL;
}

static int jobs(void)
{
	const char *j = getenv("KILN_JOBS");
	long n = j ? strtol(j, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void list_sources(const char *dir, const char *suffix, struct strv *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t first = out->n;
	for (struct dirent *e; (e = readdir(d));)
		if (str_endswith(e->d_name, suffix))
			strv_push(out, path_join(dir, e->d_name));
	closedir(d);
	for (size_t i = first; i < out->n; i++)
		for (size_t j = i + 1; j < out->n; j++)
			if (strcmp(out->v[i], out->v[j]) > 0) {
				char *t = out->v[i];
				out->v[i] = out->v[j];
				out->v[j] = t;
			}
}

/* the index of a job in pids[0..n) that has exited (not reaped yet), or -1 */
static int wait_any(const pid_t *pids, int n)
{
	for (;;) {
		for (int i = 0; i < n; i++) {
			siginfo_t si = {0};
			if (waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pids[i])
				return i;
		}
		siginfo_t si = {0};
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) != 0 && errno != EINTR) {
			log_err("waitid: %s", strerror(errno));
			return -1;
		}
		bool ours = false;
		for (int i = 0; i < n; i++)
			ours |= si.si_pid == pids[i];
		if (!ours)
			usleep(10000); /* another part of the process owns that child */
	}
}

/* compile every source to tmp/obj with em++/emcc, jobs at a time */
static bool compile_all(const char *tmp, const struct strv *srcs, struct strv *objs)
{
	char *inc = path_join(tmp, "inc"), *src = path_join(tmp, "src");
	char *incflag = xasprintf("-I%s", inc);
	char *fincflag = xasprintf("-I%s/flang/include", src);
	char *rincflag = xasprintf("-I%s/flang/runtime", src);
	int max = jobs();
	pid_t *pids = xcalloc((size_t)max, sizeof(*pids));
	char **names = xcalloc((size_t)max, sizeof(*names)), **logs = xcalloc((size_t)max, sizeof(*logs));
	int running = 0;
	size_t next = 0;
	bool ok = true;
	while (next < srcs->n || running) {
		if (ok && next < srcs->n && running < max) {
			const char *s = srcs->v[next];
			bool c = str_endswith(s, ".c");
			char *obj = xasprintf("%s/obj/%03zu-%s.o", tmp, next, path_basename(s));
			free(logs[running]);
			logs[running] = xasprintf("%s.log", obj);
			struct strv argv = {0};
			next++;
			strv_add(&argv, c ? "emcc" : "em++");
			for (size_t k = 0; k < (c ? ARRAY_LEN(rt_cflags) : ARRAY_LEN(rt_cxxflags)); k++)
				strv_add(&argv, c ? rt_cflags[k] : rt_cxxflags[k]);
			for (size_t k = 0; k < ARRAY_LEN(rt_flags); k++)
				strv_add(&argv, rt_flags[k]);
			strv_add(&argv, incflag);
			strv_add(&argv, fincflag);
			strv_add(&argv, rincflag);
			strv_add(&argv, "-c");
			strv_add(&argv, s);
			strv_add(&argv, "-o");
			strv_add(&argv, obj);
			strv_push(&argv, NULL);
			pid_t pid = spawn((const char *const *)argv.v, NULL, NULL, logs[running], rt_env);
			argv.n--;
			strv_free(&argv);
			if (pid < 0) {
				ok = false;
				free(obj);
				continue;
			}
			pids[running] = pid;
			names[running] = xasprintf("compiling %s", path_basename(s));
			running++;
			strv_push(objs, obj);
			continue;
		}
		if (!running)
			break;
		int done = wait_any(pids, running);
		if (done < 0) {
			ok = false;
			break;
		}
		if (!reap(pids[done], names[done])) {
			char *text = read_file(logs[done], NULL);
			if (text)
				log_err("%.4000s", text);
			free(text);
			ok = false;
		}
		free(names[done]);
		free(logs[done]);
		pids[done] = pids[running - 1];
		names[done] = names[running - 1];
		logs[done] = logs[running - 1];
		logs[running - 1] = NULL;
		running--;
	}
	for (int i = 0; i < max; i++)
		free(logs[i]);
	free(logs);
	free(pids);
	free(names);
	free(incflag);
	free(fincflag);
	free(rincflag);
	free(inc);
	free(src);
	return ok;
}

static bool runtime_build(const struct rt_source *s, const char *tmp)
{
	char *src = path_join(tmp, "src"), *inc = path_join(tmp, "inc"), *obj = path_join(tmp, "obj");
	char *cfg = path_join(inc, "config.h"), *lib = path_join(tmp, "libFortranRuntime.a");
	char *sigs = path_join(tmp, "signatures.tsv");
	struct strv srcs = {0}, objs = {0}, ar = {0};
	bool ok = false;
	if (!mkdir_p(src, 0755) || !mkdir_p(inc, 0755) || !mkdir_p(obj, 0755)) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	log_info("fortran runtime: extracting flang/runtime from %s", path_basename(s->tarball));
	if (!source_extract(s, src))
		goto out;
	for (size_t i = 0; i < ARRAY_LEN(rt_patches); i++) {
		char *p = path_join(RT_DATA_DIR, rt_patches[i]);
		const char *argv[] = {"patch", "-p1", "-s", "-N", "-d", src, "-i", p, NULL};
		bool pok = fortran_run(argv, NULL, NULL);
		free(p);
		if (!pok) {
			log_err("fortran runtime: patch %s does not apply", rt_patches[i]);
			goto out;
		}
	}
	if (!write_file_atomic(cfg, rt_config_h, strlen(rt_config_h))) {
		log_err("cannot write %s: %s", cfg, strerror(errno));
		goto out;
	}
	char *rdir = path_join(src, "flang/runtime"), *ddir = path_join(src, "flang/lib/Decimal");
	list_sources(rdir, ".cpp", &srcs);
	list_sources(rdir, ".c", &srcs);
	list_sources(ddir, ".cpp", &srcs);
	strv_push(&srcs, path_join(RT_DATA_DIR, rt_shims));
	free(rdir);
	free(ddir);
	log_info("fortran runtime: compiling %zu files with em++ (%d jobs)", srcs.n, jobs());
	if (!compile_all(tmp, &srcs, &objs))
		goto out;
	strv_add(&ar, RT_LLVM_ROOT "/llvm-ar");
	strv_add(&ar, "rcs");
	strv_add(&ar, lib);
	for (size_t i = 0; i < objs.n; i++)
		strv_add(&ar, objs.v[i]);
	strv_push(&ar, NULL);
	ok = fortran_run((const char *const *)ar.v, NULL, NULL) && fortran_wasm_signatures(lib, sigs);
	ar.n--;
out:
	strv_free(&srcs);
	strv_free(&objs);
	strv_free(&ar);
	free(src);
	free(inc);
	free(obj);
	free(cfg);
	free(lib);
	free(sigs);
	return ok;
}

char *fortran_runtime_ensure(void)
{
	const char *pre = getenv("KILN_FORTRAN_RUNTIME");
	if (pre && *pre)
		return xstrdup(pre);
	struct rt_source s = {0};
	char *root = path_join(config_cache_dir(), "fortran-runtime");
	char *hash = NULL, *dir = NULL, *lockp = NULL, *tmp = NULL, *done = NULL;
	int lock = -1;
	bool ok = false;
	if (!mkdir_p(root, 0755)) {
		log_err("cannot create %s: %s", root, strerror(errno));
		goto out;
	}
	lockp = path_join(root, ".lock");
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		log_err("cannot lock %s: %s", lockp, strerror(errno));
		goto out;
	}
	if (!source_get(&s) || !(hash = runtime_hash(&s)))
		goto out;
	dir = path_join(root, hash);
	done = path_join(dir, "signatures.tsv");
	if (path_is_file(done)) {
		ok = true;
		goto out;
	}
	tmp = xasprintf("%s/tmp-%ld", root, (long)getpid());
	remove_tree(tmp);
	if (!runtime_build(&s, tmp))
		goto out;
	char *src = path_join(tmp, "src"), *obj = path_join(tmp, "obj"), *inc = path_join(tmp, "inc");
	remove_tree(src);
	remove_tree(obj);
	remove_tree(inc);
	free(src);
	free(obj);
	free(inc);
	remove_tree(dir);
	if (rename(tmp, dir) != 0) {
		log_err("cannot rename %s to %s: %s", tmp, dir, strerror(errno));
		goto out;
	}
	log_info("fortran runtime: %s", dir);
	ok = true;
out:
	if (tmp)
		remove_tree(tmp);
	if (lock >= 0)
		close(lock);
	source_free(&s);
	free(root);
	free(hash);
	free(lockp);
	free(tmp);
	free(done);
	if (!ok) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* ---- wasm object signatures ---- */

/* the signatures of the function symbols of wasm objects, each name once */
struct sigs {
	struct buf defs, undefs;           /* NAME<TAB>PARAMS<TAB>RESULTS lines */
	struct strv *seen_def, *seen_undef;
};

static char valtype(uint8_t t)
{
	switch (t) {
	case 0x7f: return 'i';
	case 0x7e: return 'I';
	case 0x7d: return 'f';
	case 0x7c: return 'F';
	default: return '?';
	}
}

static void sig_part(struct buf *b, const uint8_t *v, uint32_t n)
{
	if (n == 0)
		buf_putc(b, '-');
	for (uint32_t i = 0; i < n; i++)
		buf_putc(b, valtype(v[i]));
}

static void add_sig(struct buf *out, struct strv *seen, const char *name,
	const struct wasm_functype *t)
{
	if (strv_has(seen, name))
		return;
	strv_add(seen, name);
	buf_printf(out, "%s\t", name);
	sig_part(out, t->params, t->nparams);
	buf_putc(out, '\t');
	sig_part(out, t->results, t->nresults);
	buf_putc(out, '\n');
}

/* the function symbols of one object: those it defines into defs, those it imports into
 * undefs (what is not WebAssembly, such as an archive's index, has none) */
static bool object_signatures(const uint8_t *data, size_t len, const char *what,
	struct sigs *sg)
{
	struct wasm_module m;
	if (!wasm_is_binary(data, len))
		return true;
	bool ok = wasm_parse(data, len, what, &m);
	for (size_t i = 0; ok && i < m.nsymbols; i++) {
		const struct wasm_symbol *sym = &m.symbols[i];
		if (sym->kind != WASM_SYMTAB_FUNCTION || (sym->flags & WASM_SYM_LOCAL))
			continue;
		const struct wasm_import *im = sym->name ? NULL : wasm_func_import(&m, sym->index);
		const char *name = sym->name ? sym->name : im ? im->name : NULL;
		const struct wasm_functype *t = wasm_func_type(&m, sym->index);
		if (!name || !t)
			continue;
		if (sym->flags & WASM_SYM_UNDEFINED)
			add_sig(&sg->undefs, sg->seen_undef, name, t);
		else
			add_sig(&sg->defs, sg->seen_def, name, t);
	}
	wasm_module_free(&m);
	return ok;
}

struct collect {
	const char *path;
	struct buf member; /* one buffer for all members */
	struct sigs *sg;
};

static enum arc_step collect_member(struct archive *a, struct archive_entry *e, void *ctx)
{
	struct collect *c = ctx;
	const char *name = archive_entry_pathname(e);
	c->member.len = 0;
	if (arc_entry_data(a, &c->member, SIZE_MAX) < 0) {
		log_err("%s: %s", c->path, archive_error_string(a));
		return ARC_FAIL;
	}
	char *what = xasprintf("%s(%s)", c->path, name ? name : "");
	bool ok = object_signatures((const uint8_t *)c->member.s, c->member.len, what, c->sg);
	free(what);
	return ok ? ARC_NEXT : ARC_FAIL;
}

/* the signatures of the functions the objects in path (an archive or one
 * object) define, and of those they import */
static bool wasm_collect(const char *path, struct sigs *sg)
{
	struct collect c = {.path = path, .sg = sg};
	bool ok;
	if (str_endswith(path, ".a")) {
		const struct arc_source src = {.path = path, .formats = ARC_AR};
		ok = arc_each(&src, collect_member, &c);
	} else if (!(c.member.s = read_file(path, &c.member.len))) {
		log_err("cannot read %s: %s", path, strerror(errno));
		ok = false;
	} else {
		ok = object_signatures((const uint8_t *)c.member.s, c.member.len, path, sg);
	}
	buf_free(&c.member);
	return ok;
}

bool fortran_wasm_defined_functions(const char *path, struct strv *names)
{
	struct strv seen_undef = {0};
	struct sigs sg = {.seen_def = names, .seen_undef = &seen_undef};
	bool ok = wasm_collect(path, &sg);
	buf_free(&sg.defs);
	buf_free(&sg.undefs);
	strv_free(&seen_undef);
	return ok;
}

bool fortran_wasm_signatures(const char *path, const char *out)
{
	struct buf all = {0};
	struct strv seen_def = {0}, seen_undef = {0};
	struct sigs sg = {.seen_def = &seen_def, .seen_undef = &seen_undef};
	bool ok = false;
	if (!wasm_collect(path, &sg))
		goto out;
	buf_puts(&all, "# function signatures: NAME PARAMS RESULTS (i=i32 I=i64 f=f32 F=f64)\n");
	if (sg.defs.s)
		buf_puts(&all, sg.defs.s);
	/* imports (libc) only where no object defines the name */
	for (char *line = sg.undefs.s, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		char *tab = strchr(line, '\t');
		char *sym = xstrndup(line, (size_t)(tab - line));
		if (!strv_has(&seen_def, sym))
			buf_add(&all, line, (size_t)(nl - line) + 1);
		free(sym);
	}
	if (!write_file_atomic(out, all.s, all.len)) {
		log_err("cannot write %s: %s", out, strerror(errno));
		goto out;
	}
	ok = true;
out:
	buf_free(&sg.defs);
	buf_free(&sg.undefs);
	buf_free(&all);
	strv_free(&seen_def);
	strv_free(&seen_undef);
	return ok;
}

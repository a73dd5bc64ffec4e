#ifndef KILN_CROSSENV_H
#define KILN_CROSSENV_H

#include <stdbool.h>

#include "base/util.h"

/* files of an environment directory */
#define CROSSENV_CONF "crossenv.conf"
#define CROSSENV_MANIFEST "manifest"
#define CROSSENV_SYSCONFIG_DIR "sysconfig"
#define CROSSENV_MESON_CROSS "meson-cross.ini"
#define CROSSENV_CMAKE_TOOLCHAIN "toolchain.cmake"

/* The cross environment: everything needed to compile for one Pyodide runtime, set up
 * once from a Pyodide distribution, the host Python's headers and the Emscripten
 * toolchain (crossenv_setup.h), stored under <cache>/crossenv/<id>/ and described by its
 * crossenv.conf. This module is the environment as its users see it: loading it, its
 * paths and variables, checking it. */
struct crossenv {
	char *dir;             /* <cache>/crossenv/<id> */
	char *id;
	char *kiln_version;
	char *kiln;            /* the binary bin/ points at */
	/* the target runtime */
	char *pyodide_dir;
	char *pyodide_version; /* 0.25.1 */
	char *python_version;  /* 3.11.3 */
	int py_major, py_minor, py_micro;
	char *abi_version;     /* 2025_0; "" before ABI versions (0.25) */
	char *runtime_platform; /* info.platform of its lock: emscripten_4_0_9 */
	char *platform;        /* the wheel platform tag: pyemscripten_2025_0_wasm32 */
	char *platform_legacy; /* its older spelling (pyodide_2025_0_wasm32; else = platform) */
	char *ext_suffix;      /* .cpython-311-wasm32-emscripten.so */
	char *soabi;           /* cpython-311-wasm32-emscripten */
	char *runtime_emsdk;   /* 3.1.46 */
	char *sysconfigdata;   /* _sysconfigdata__emscripten_wasm32-emscripten */
	char *target_includepy; /* INCLUDEPY recorded in it: where the target was built */
	/* the host */
	char *host_python;
	char *host_python_version;
	char *host_include;    /* /usr/include/python3.11 */
	char *python_include;  /* where the environment's Python headers were copied from */
	char *host_ext_suffix;
	char *host_site_packages;
	/* the toolchain */
	char *emscripten_root;
	char *emcc, *emxx, *emar, *emranlib;
	char *emcc_version;
	char *clang, *clangxx, *llvm_nm, *llvm_objdump, *llvm_strip;
	char *sysroot;
	struct strv cflags_c, cflags_cxx; /* what emcc passes clang before the user's args */
	struct strv cflags_c_pic, cflags_cxx_pic; /* the same when -fPIC is on the line */
	/* how emcc rewrites flags it passes on (read from its probes at setup): what -g and
	 * -g3 become, what -g0..-g2 become ("": dropped), the flag -Os/-Oz add ("": none) */
	char *fast_g, *fast_g_low, *fast_shrink;
	struct strv em_env;    /* EM_* / EMCC_* variables present at setup, sorted NAME=VALUE */
	bool fastpath;         /* compile lines may run clang directly (proven at setup) */
	char *node_options;    /* the node option that programs emcc links need under this node
	                        * (--no-experimental-fetch for emcc's older JS); may be "". Only
	                        * for them: Pyodide itself needs fetch() */
	/* the ABI compat layer (compat.h), empty when the toolchain matches the runtime */
	char *time64_lib;      /* lib/libkiln-time64.a: time_t shims */
	char *libcxx_private;  /* lib/private: the toolchain's libc++ archives, hidden */
	char *link_llvm_root;  /* LLVM bin directory whose wasm-ld links C++ modules */
	/* a choice of the run, not stored: wheels get the older platform spelling */
	bool legacy_tag;
};

/* the tool names bin/ provides, all links to the kiln binary */
extern const char *const crossenv_tools[];
extern const size_t crossenv_ntools;

/* Paths inside an environment, newly allocated. */
char *crossenv_path(const struct crossenv *ce, const char *rel);
/* <cache>/crossenv, absolute: where environments live, each in the directory of its id,
 * and the file "current" names the current one */
char *crossenv_root(void);

/* Load an environment: dir, or $KILN_CROSSENV, or the current one of the cache. */
bool crossenv_open(const char *dir, struct crossenv *ce);
/* Load only crossenv.conf of dir, with no message on failure (the wrapper's fast start). */
bool crossenv_load(const char *dir, struct crossenv *ce);
void crossenv_free(struct crossenv *ce);
/* crossenv.conf of ce: the text crossenv_load reads back */
char *crossenv_conf_text(const struct crossenv *ce);
/* set py_major, py_minor and py_micro from python_version */
void crossenv_parse_version(struct crossenv *ce);
/* every regular file under dir (symlinks followed) as relative paths, sorted */
void crossenv_files(const char *dir, struct strv *out);

/* The environment for recipe scripts and build backends as NAME=VALUE strings.
 * libprefix is the target library prefix (WASM_LIBRARY_DIR), may be NULL. */
void crossenv_env(const struct crossenv *ce, const char *libprefix, struct strv *env);
/* NODE_OPTIONS for programs emcc links: now (the current value, may be NULL) with opt
 * (an environment's node_options, may be NULL) added unless already there; newly
 * allocated */
char *crossenv_node_options(const char *opt, const char *now);
/* Re-check every file of the environment against the recorded hashes; reports each
 * difference and returns false if any. */
bool crossenv_verify(const struct crossenv *ce);

/* The EM_* / EMCC_* variables of this process (EMCC_DEBUG aside), sorted NAME=VALUE. */
void crossenv_em_env_now(struct strv *out);
/* Whether the EM_* / EMCC_* variables (EMCC_DEBUG aside) are those of setup time. */
bool crossenv_em_env_matches(const struct crossenv *ce);

/* the platform tag wheels get: platform, or platform_legacy when legacy_tag is set */
const char *crossenv_wheel_tag(const struct crossenv *ce);

/* The argument lists the fast path starts from: C or C++ flags of emcc, for a line with
 * or without -fPIC. */
const struct strv *crossenv_cflags(const struct crossenv *ce, bool cxx, bool pic);

/* true when the target's ABI uses WebAssembly exceptions and wasm setjmp/longjmp (2025_0
 * and later) */
bool crossenv_wasm_eh(const struct crossenv *ce);
/* the flags the target's ABI requires at every compile and link, NULL-terminated (from
 * 2025_0: -fwasm-exceptions -sSUPPORT_LONGJMP=wasm; none before) */
const char *const *crossenv_abi_flags(const struct crossenv *ce);

#endif

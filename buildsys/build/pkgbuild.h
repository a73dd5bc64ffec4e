#ifndef KILN_PKGBUILD_H
#define KILN_PKGBUILD_H

#include <stdbool.h>

#include "base/util.h"

struct crossenv;
struct wheel_target;
struct wheel_post_result;

/* The steps of building one Python package for the target that the recipe
 * builder and the out-of-tree `kiln build` share: the environment of the PEP 517
 * step, the target of the wheel, and the checks of the result. */

/* set NAME=VALUE in an environment list, replacing an earlier value */
void pkgbuild_setenv(struct strv *env, const char *name, const char *value);
/* the value of NAME in an environment list, or NULL */
const char *pkgbuild_getenv(const struct strv *env, const char *name);

/* the environment of a build: crossenv_env (prefix: WASM_LIBRARY_DIR, may be NULL),
 * SOURCE_DATE_EPOCH unless set, and the wrapper's export policy KILN_EXPORTS
 * ("pyinit", "requested", "whole_archive" or "SYM,SYM") */
void pkgbuild_env(const struct crossenv *ce, const char *prefix, const char *exports,
	struct strv *env);

/* compiler and linker flags of the PEP 517 step: the side-module defaults, the
 * extra flags (may be NULL) and the library prefix (may be NULL); scripts run
 * before get none of these (a configure script must see ordinary links) */
void pkgbuild_flags(struct strv *env, const char *prefix, const char *cflags,
	const char *cxxflags, const char *ldflags);

/* the wheel target of the environment; returns the python tag t points at (free it) */
char *pkgbuild_target(const struct crossenv *ce, struct wheel_target *t);

/* C, C++, Cython or Fortran sources outside tests, docs and examples */
bool pkgbuild_has_compiled_sources(const char *dir);

/* a name of requirements.executable that asks for Rust (rustup, cargo, rustc): kiln
 * provides the toolchain's environment instead of running it */
bool pkgbuild_rust_executable(const char *name);
/* a source tree built with Rust: a Cargo.toml at its top, or a pyproject.toml whose build
 * requirements name maturin or setuptools-rust */
bool pkgbuild_uses_rust(const char *srcdir);
/* add the Rust variables of the environment to env (rust_env_ensure: the standard library
 * is built once into the cache); false (reported) when no Rust serves the target */
bool pkgbuild_rust_env(const struct crossenv *ce, struct strv *env);

/* the ABI check of a wheel or archive against the runtime of the environment */
bool pkgbuild_abi_check(const struct crossenv *ce, const char *path);

/* a post-processed wheel is what its source should give: not a pure fallback of a
 * source with compiled code, and its modules pass the ABI check */
bool pkgbuild_check_wheel(const struct crossenv *ce, const char *srcdir,
	const struct wheel_post_result *res);

#endif

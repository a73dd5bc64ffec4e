#ifndef KILN_RUST_H
#define KILN_RUST_H

#include <stdbool.h>

#include "base/util.h"

struct crossenv;

/* Rust for the target (docs/rust.md): a rustc with the source of its own standard library
 * (Debian's arch-all `rust-src` of the same major.minor, through debpkg), the standard
 * library built once for wasm32-unknown-emscripten with the ABI's exception model into
 * <cache>/rust-sysroot/<id>/, the variables cargo, PyO3 and maturin/setuptools-rust read,
 * and what a side-module link with Rust inputs needs (its kiln.time64/kiln.libcxx marker). */

#define RUST_TARGET "wasm32-unknown-emscripten"

/* the rustc a build uses */
struct rust_toolchain {
	char *toolchain;   /* the rustup toolchain name given to rustc/cargo (RUSTUP_TOOLCHAIN),
	                    * NULL: the default one */
	char *release;     /* 1.97.0-nightly */
	char *host;        /* x86_64-unknown-linux-gnu */
	char *identity;    /* `rustc -vV`, the key of the standard library's cache */
	int major, minor;
	bool nightly;      /* -Z flags without RUSTC_BOOTSTRAP */
	char *src_version; /* the Debian version of the matching rust-src (1.97.1+dfsg1-1) */
};

/* Choose the rustc: $KILN_RUST_TOOLCHAIN or $RUSTUP_TOOLCHAIN when set, else the default
 * toolchain, then rustup's "nightly": the first whose major.minor Debian's rust-src has.
 * False (reported with every rustc tried and why it did not fit) when none fits. */
bool rust_toolchain_find(struct rust_toolchain *tc);
void rust_toolchain_free(struct rust_toolchain *tc);

/* The sysroot with the standard library for the environment's target (panic=unwind with
 * JavaScript exceptions before ABI 2025_0, wasm exceptions from it), built once per
 * (rustc, rust-src, exception model) under a lock and renamed into place; newly
 * allocated, NULL on failure (reported, with the end of cargo's log). */
char *rust_sysroot_ensure(const struct crossenv *ce, const struct rust_toolchain *tc);

/* The variables of a Rust build for the environment (added to env): CARGO_BUILD_TARGET,
 * the target's linker (the wrapper's cc) and RUSTFLAGS (--sysroot, PIC, exception model),
 * the host's linker and C compiler (not the wrapper), CARGO_HOME ($KILN_CARGO_HOME, else
 * <cache>/cargo: crates.io's index and crates, shared by the targets), kiln's
 * release profile unless $KILN_RUST_PROFILE is "cargo", PYO3_CROSS_*. */
void rust_env(const struct crossenv *ce, const struct rust_toolchain *tc, const char *sysroot,
	struct strv *env);

/* rust_toolchain_find, rust_sysroot_ensure and rust_env in one: false (reported) when
 * no Rust can serve the environment's target */
bool rust_env_ensure(const struct crossenv *ce, struct strv *env);

/* does a link have Rust inputs (an .rlib)? */
bool rust_link_is_rust(const struct strv *args);

/* Write into dir a wasm object whose custom sections list the imports the Rust code of the
 * link makes with the runtime's layouts (kiln.time64: libc's time_t functions, through
 * the libc crate's 64-bit time_t; kiln.libcxx: the Itanium exception entry points of
 * panic=unwind, which only the runtime's libc++abi implements) and no other input of the
 * link makes. Its path into *obj (NULL when there is nothing to list). */
bool rust_link_marker(const struct strv *args, const char *dir, char **obj);

#endif

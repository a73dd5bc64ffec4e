#ifndef KILN_EMTOOLCHAIN_H
#define KILN_EMTOOLCHAIN_H

#include <stdbool.h>

struct debpkg;

/* The Emscripten toolchain of a target. An emsdk named by $EMSDK serves every target; else
 * the host's emcc (Debian bookworm's 3.1.6) serves a runtime without an ABI version (0.25),
 * and a runtime with one (2024_0 and later) gets Debian's arch-all `emscripten` package of
 * EMTC_DEBIAN_VERSION (trixie), fetched with `apt-get download` (ci/setup adds trixie at pin
 * priority 1), checked against the SHA256 apt records, and unpacked with libarchive into
 * <cache>/toolchains/emscripten-<version>/, where it is reused. Its `.emscripten` config
 * points at this machine's LLVM 19, node and binaryen. Failures are reported through
 * log_err. */

#define EMTC_DEBIAN_VERSION "3.1.69"
#define EMTC_PACKAGE "emscripten"
/* the oldest Emscripten accepted for a runtime with an ABI version */
#define EMTC_MIN_ABI_EMSCRIPTEN "3.1.58"

/* The emcc for a runtime of ABI abi_version ("" for none): $EMSDK's when set, the host's
 * from PATH for no ABI, else the unpacked Debian toolchain (fetched on first use). NULL
 * (reported) when none can serve it. */
char *emtc_emcc_for(const char *abi_version);

/* the unpacked toolchain of a Debian emscripten version: its emcc, fetching and unpacking
 * it under cache_dir when it is not there */
char *emtc_get(const char *version, const char *cache_dir);

/* the record of emscripten <version>+... in apt's indexes (toolchain/debpkg) */
bool emtc_lookup(const char *version, struct debpkg *deb);

/* Unpack usr/share/emscripten/ of the .deb at path into dest (regular files and directories
 * only; test/, docs and the LTO libraries are left out). */
bool emtc_unpack(const char *path, const char *dest);

#endif

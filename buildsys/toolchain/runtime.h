#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdbool.h>

/* A Pyodide runtime directory as a target: what its pyodide-lock.json "info" and its
 * package.json say, in either lock format, and the wheel platform tag that follows. */

/* the lock formats kiln reads and writes */
enum runtime_lock_format {
	RUNTIME_LOCK_UNKNOWN,
	/* Pyodide 0.25: info {arch, platform, python, version}; entries carry shared_library */
	RUNTIME_LOCK_LEGACY,
	/* pyodide-lock 0.2 (Pyodide 0.26 and later): info {abi_version, arch, platform,
	 * python}; no shared_library */
	RUNTIME_LOCK_ABI,
};

struct runtime {
	char *dir;         /* absolute */
	char *version;     /* 0.29.5: info.version, else package.json's */
	char *python;      /* 3.13.2 */
	char *abi_version; /* 2025_0; "" for a runtime before ABI versions */
	char *platform;    /* info.platform: emscripten_4_0_9 */
	char *arch;        /* wasm32 */
	enum runtime_lock_format format;
};

/* The lock format of a parsed "info" object's string fields (NULL: absent). */
enum runtime_lock_format runtime_lock_format(const char *version, const char *abi_version,
	const char *python, const char *platform, const char *arch);

/* Read dir as a Pyodide runtime. False (reported, saying what to do) when dir is not
 * one (no pyodide-lock.json or python_stdlib.zip) or its lock is of an unknown format. */
bool runtime_load(const char *dir, struct runtime *rt);
void runtime_free(struct runtime *rt);

/* The wheel platform tag of a runtime: pyemscripten_<abi>_<arch> for ABI 2025_0 and
 * later (PEP 783; legacy: the older pyodide_<abi>_<arch>), pyodide_2024_0_<arch> for
 * 2024_0, <platform>_<arch> (emscripten_3_1_46_wasm32) before ABI versions. */
char *runtime_wheel_platform(const char *abi_version, const char *platform, const char *arch,
	bool legacy);

#endif

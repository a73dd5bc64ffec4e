#ifndef KILN_TESTRUN_H
#define KILN_TESTRUN_H

#include <stdbool.h>

#include "base/util.h"

/* Packages tested in the real Pyodide runtime under node. One node process
 * (buildsys/build/testrun.mjs, embedded) serves many packages over a JSON-lines
 * protocol; a package that crashes or hangs it is reported and the process
 * replaced. The runtime's index is a temporary directory holding the runtime
 * files, the files of dist/ and dist/pyodide-lock.json. */

struct testrun;

/* one package to test */
struct testrun_pkg {
	const char *name;
	struct strv load;         /* loadPackage these (dependencies come through the lock) */
	struct strv imports;      /* then import these modules */
	const char *script;       /* then run this Python code; NULL: none */
	bool tests;               /* then load test_load and run the test modules */
	struct strv test_load, test_modules;
	bool pytest;              /* run the test modules with pytest.main */
};

struct testrun_result {
	bool ok;
	char *stage;   /* load, import, script, tests, done; "timeout" or "crash" */
	char *error;   /* the Python traceback or what went wrong; NULL when ok */
	char *output;  /* what the package printed (and the runtime, or node on a crash) */
	double seconds;
	long passed, failed, skipped; /* the package's own tests; -1 when unknown */
};

/* prepare the index from a Pyodide distribution and a dist directory; NULL (logged) on failure */
struct testrun *testrun_open(const char *pyodide_dir, const char *dist_dir);
/* does the index hold this file (a package of the lock that is really there) */
bool testrun_has_file(const struct testrun *t, const char *name);
/* the path of a file in the index, newly allocated */
char *testrun_index_path(const struct testrun *t, const char *name);
/* test one package with a time limit in seconds (Pyodide start-up not counted);
 * false only when node cannot be started at all (logged). */
bool testrun_one(struct testrun *t, const struct testrun_pkg *p, double timeout,
	struct testrun_result *res);
/* SIGINT or SIGTERM arrived since testrun_open (the package then fails, stage "interrupted") */
bool testrun_interrupted(void);
/* stop node and remove the index */
void testrun_close(struct testrun *t);
void testrun_result_free(struct testrun_result *r);
void testrun_pkg_free(struct testrun_pkg *p);

/* the module names of the test files (test_*.py, *_test.py) in a tests tar */
bool testrun_test_modules(const char *tar, struct strv *mods);

#endif

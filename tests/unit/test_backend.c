/* backend: real PEP 517 builds with Debian's python3-build. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "build/backend.h"
#include "check.h"

static void capture(enum log_level lvl, const char *msg, void *ctx)
{
	if (lvl == LOG_ERROR) {
		buf_puts(ctx, msg);
		buf_putc(ctx, '\n');
	}
}

/* copy a source tree so the build's by-products stay out of the checkout */
static char *copy_tree(const char *src, const char *tmp, const char *name)
{
	char *dst = path_join(tmp, name);
	char *cmd = xasprintf("cp -r '%s' '%s'", src, dst);
	if (system(cmd) != 0)
		fprintf(stderr, "cp failed\n");
	free(cmd);
	return dst;
}

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/data/backend";
	char tmpl[] = "/tmp/kiln-backend-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	struct buf errors = {0};
	log_set_sink(capture, &errors);

	char *m = backend_debian_package("Cython>=0.29");
	CHECK(strcmp(m, "cython3") == 0, "%s", m);
	free(m);
	m = backend_debian_package("setuptools_scm[toml]>=6.2");
	CHECK(strcmp(m, "python3-setuptools-scm") == 0, "%s", m);
	free(m);
	m = backend_debian_package("Py.Some__Thing ; python_version>'3'");
	CHECK(strcmp(m, "python3-py-some-thing") == 0, "%s", m);
	free(m);

	char *logp = path_join(tmp, "build.log");
	int log = open(logp, O_RDWR | O_CREAT | O_APPEND, 0644);
	char *okdir = path_join(data, "ok");
	char *src = copy_tree(okdir, tmp, "ok");
	char *out = path_join(tmp, "out");
	struct backend_opts o = {
		.python = config_host_python(), .srcdir = src, .outdir = out,
		.backend_flags = " opt=1\n  list=a list=b ", .log_fd = log, .timeout = 120,
	};
	CHECK(backend_build_wheel(&o), "build failed: %s", errors.s);
	char *whl = path_join(out, "kiln_backend_ok-1.2-py3-none-any.whl");
	CHECK(path_is_file(whl), "no wheel");
	char *cs = path_join(out, "config_settings.json");
	char *got = read_file(cs, NULL);
	CHECK(got && strcmp(got, "{\"list\": [\"a\", \"b\"], \"opt\": \"1\"}") == 0,
		"config settings: %s", got);
	free(got);

	char *missdir = path_join(data, "missing");
	char *src2 = copy_tree(missdir, tmp, "missing");
	o.srcdir = src2;
	o.backend_flags = NULL;
	buf_free(&errors);
	CHECK(!backend_build_wheel(&o), "build with a missing requirement succeeded");
	CHECK(errors.s && strstr(errors.s, "missing build requirement kiln-no-such-requirement>=1.0 "
		"(Debian package: python3-kiln-no-such-requirement;"), "errors: %s", errors.s);
	CHECK(errors.s && !strstr(errors.s, "Cython"), "satisfied requirement reported: %s", errors.s);

	close(log);
	remove_tree(tmp);
	free(logp); free(okdir); free(src); free(out); free(whl); free(cs);
	free(missdir); free(src2);
	buf_free(&errors);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}

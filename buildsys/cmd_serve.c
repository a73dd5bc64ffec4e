#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "util.h"

/* kiln serve: dist/ and the Pyodide runtime over HTTP on the loopback interface,
 * with a page that runs Python against kiln's lockfile. A small single-threaded
 * HTTP/1.1 server: GET and HEAD of flat file names, one request per connection. */

extern const struct kiln_cmd cmd_serve;
extern const char embed_serve_html[];
extern const size_t embed_serve_html_len;

enum { OPT_PORT = 1, OPT_DIST };

static const struct option options[] = {
	{"port", required_argument, NULL, OPT_PORT},
	{"dist", required_argument, NULL, OPT_DIST},
	{NULL, 0, NULL, 0},
};

#define MAX_REQUEST 16384
#define CLIENT_TIMEOUT_MS 10000

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct server {
	const char *dist, *runtime;
	char *packages_json; /* /kiln-packages.json */
};

static const char *content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".wasm", "application/wasm"},
		{".mjs", "text/javascript"},
		{".js", "text/javascript"},
		{".json", "application/json"},
		{".whl", "application/zip"},
		{".zip", "application/zip"},
		{".tar", "application/x-tar"},
		{".html", "text/html; charset=utf-8"},
		{".map", "application/json"},
		{".ts", "text/plain; charset=utf-8"},
		{".md", "text/plain; charset=utf-8"},
	};
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (str_endswith(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* the packages kiln put into dist/: lockfile entries whose file is in dist/ */
static char *packages_json(const char *dist)
{
	char *lockpath = path_join(dist, "pyodide-lock.json");
	char *text = read_file(lockpath, NULL);
	cJSON *lock = text ? cJSON_Parse(text) : NULL;
	cJSON *out = cJSON_CreateArray();
	const cJSON *pkgs = cJSON_GetObjectItem(lock, "packages"), *p;
	cJSON_ArrayForEach(p, pkgs) {
		const cJSON *file = cJSON_GetObjectItem(p, "file_name");
		const cJSON *name = cJSON_GetObjectItem(p, "name");
		if (!cJSON_IsString(file) || !cJSON_IsString(name) ||
		    strchr(file->valuestring, '/') || file->valuestring[0] == '.')
			continue;
		char *f = path_join(dist, file->valuestring);
		bool ours = path_is_file(f);
		free(f);
		if (!ours || cJSON_IsTrue(cJSON_GetObjectItem(p, "unvendored_tests")) ||
		    str_endswith(name->valuestring, "-tests"))
			continue;
		cJSON *o = cJSON_CreateObject();
		static const char *const keys[] = {"name", "version", "package_type", "imports",
			"depends", "file_name"};
		for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
			const cJSON *v = cJSON_GetObjectItem(p, keys[i]);
			if (v)
				cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, true));
		}
		cJSON_AddItemToArray(out, o);
	}
	char *s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	cJSON_Delete(lock);
	free(text);
	free(lockpath);
	return s;
}

static bool send_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void respond(int fd, int code, const char *reason, const char *type, const void *body,
	size_t len, bool head)
{
	char *h = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Cache-Control: no-store\r\nConnection: close\r\n\r\n", code, reason, type, len);
	if (send_all(fd, h, strlen(h)) && !head && len)
		send_all(fd, body, len);
	free(h);
}

static void error_page(int fd, int code, const char *reason, bool head)
{
	char *body = xasprintf("%d %s\n", code, reason);
	respond(fd, code, reason, "text/plain; charset=utf-8", body, strlen(body), head);
	free(body);
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* the file name of a request target: "/name" percent-decoded, query dropped; NULL
 * for anything that is not one plain file name (no '/', no leading '.', no NUL) */
static char *target_name(const char *target)
{
	if (target[0] != '/')
		return NULL;
	size_t n = strcspn(target + 1, "?#");
	char *s = xmalloc(n + 1), *o = s;
	for (size_t i = 1; i <= n; i++) {
		char c = target[i];
		if (c == '%') {
			int a = hex(target[i + 1]), b = a < 0 ? -1 : hex(target[i + 2]);
			if (b < 0) {
				free(s);
				return NULL;
			}
			c = (char)(a * 16 + b);
			i += 2;
		}
		if (c == '/' || c == '\0' || c == '\\') {
			free(s);
			return NULL;
		}
		*o++ = c;
	}
	*o = '\0';
	if (s[0] == '.') {
		free(s);
		return NULL;
	}
	return s;
}

static void send_file(int fd, const char *path, const char *name, bool head)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (f < 0 || fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (f >= 0)
			close(f);
		error_page(fd, 404, "Not Found", head);
		return;
	}
	char *h = xasprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
		"Cache-Control: no-store\r\nConnection: close\r\n\r\n", content_type(name),
		(long long)st.st_size);
	bool ok = send_all(fd, h, strlen(h));
	free(h);
	char b[65536];
	ssize_t r;
	while (ok && !head && (r = read(f, b, sizeof(b))) > 0)
		ok = send_all(fd, b, (size_t)r);
	close(f);
}

/* read the request head; false when the client went away, was too slow or too long */
static bool read_head(int fd, struct buf *req, int *status)
{
	*status = 400;
	for (;;) {
		if (req->len && strstr(req->s, "\r\n\r\n"))
			return true;
		if (req->len >= MAX_REQUEST) {
			*status = 431;
			return false;
		}
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, CLIENT_TIMEOUT_MS) <= 0) {
			*status = 408;
			return false;
		}
		char b[4096];
		ssize_t r = recv(fd, b, sizeof(b), 0);
		if (r <= 0) {
			*status = 0;
			return false;
		}
		buf_add(req, b, (size_t)r);
	}
}

static void serve_one(const struct server *sv, int fd)
{
	struct buf req = {0};
	int status;
	char method[16], target[4096], version[16];
	if (!read_head(fd, &req, &status)) {
		if (status == 431)
			error_page(fd, 431, "Request Header Fields Too Large", false);
		else if (status == 408)
			error_page(fd, 408, "Request Timeout", false);
		else if (status)
			error_page(fd, 400, "Bad Request", false);
		goto out;
	}
	if (sscanf(req.s, "%15s %4095s %15s", method, target, version) != 3 ||
	    !str_startswith(version, "HTTP/1.")) {
		error_page(fd, 400, "Bad Request", false);
		goto out;
	}
	bool head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		error_page(fd, 405, "Method Not Allowed", false);
		goto out;
	}
	log_debug("%s %s", method, target);
	char *name = target_name(target);
	if (!name) {
		error_page(fd, 404, "Not Found", head);
	} else if (!*name || strcmp(name, "index.html") == 0) {
		respond(fd, 200, "OK", content_type(".html"), embed_serve_html, embed_serve_html_len,
			head);
	} else if (strcmp(name, "kiln-packages.json") == 0) {
		respond(fd, 200, "OK", content_type(name), sv->packages_json,
			strlen(sv->packages_json), head);
	} else {
		/* dist/ first: its pyodide-lock.json and package files; then the runtime */
		char *path = path_join(sv->dist, name);
		if (!path_is_file(path)) {
			free(path);
			path = path_join(sv->runtime, name);
		}
		send_file(fd, path, name, head);
		free(path);
	}
	free(name);
out:
	buf_free(&req);
}

static int run(int argc, char **argv)
{
	long port = 8000;
	const char *dist = "dist";
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char *end;
		switch (c) {
		case OPT_PORT:
			port = strtol(optarg, &end, 10);
			if (*end || end == optarg || port < 0 || port > 65535)
				return cmd_usage_error(&cmd_serve, "--port needs 0 to 65535, not '%s'",
					optarg);
			break;
		case OPT_DIST:
			dist = optarg;
			break;
		default:
			return cmd_usage_error(&cmd_serve, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_serve, "unexpected argument '%s'", argv[optind]);

	struct server sv = {.dist = dist, .runtime = config_pyodide_dir()};
	int status = EXIT_FAIL, s = -1;
	char *lock = path_join(dist, "pyodide-lock.json"), *runtime_mjs = NULL;
	if (!path_is_file(lock)) {
		log_err("%s does not exist; build packages first (kiln build-recipes)", lock);
		goto out;
	}
	runtime_mjs = path_join(sv.runtime, "pyodide.mjs");
	if (!path_is_file(runtime_mjs)) {
		log_err("no Pyodide runtime at %s (set KILN_PYODIDE)", sv.runtime);
		goto out;
	}
	sv.packages_json = packages_json(dist);

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
	} addr = {.in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK)}};
	socklen_t alen = sizeof(addr.in);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, &addr.sa, sizeof(addr.in)) != 0 || listen(s, 64) != 0 ||
	    getsockname(s, &addr.sa, &alen) != 0) {
		log_err("cannot listen on 127.0.0.1:%ld: %s", port, strerror(errno));
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("serving %s and the Pyodide runtime at http://127.0.0.1:%u/ (Ctrl-C stops)\n", dist,
		ntohs(addr.in.sin_port));
	fflush(stdout);
	while (!stopping) {
		struct pollfd p = {s, POLLIN, 0};
		int n = poll(&p, 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			goto out;
		}
		int fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_one(&sv, fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	log_info("stopped");
	status = EXIT_OK;
out:
	if (s >= 0)
		close(s);
	free(sv.packages_json);
	free(lock);
	free(runtime_mjs);
	return status;
}

const struct kiln_cmd cmd_serve = {
	.name = "serve",
	.run = run,
	.summary = "serve dist/ and the Pyodide runtime with a Python prompt page on 127.0.0.1",
	.usage = "serve [--port N] [--dist DIR]\n\n"
		 "Serves DIR (default dist) and the Pyodide runtime ($KILN_PYODIDE or the pinned\n"
		 "package) on 127.0.0.1 only, with a page at / that starts Pyodide with DIR's\n"
		 "pyodide-lock.json, lists the packages kiln built with a button to load each,\n"
		 "and runs Python typed into its prompt. Ctrl-C stops it.\n"
		 "  --port N    the port (default 8000; 0: any free port, printed)\n"
		 "  --dist DIR  wheels and pyodide-lock.json (default dist)",
};

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"

/* kiln serve: dist/ and the Pyodide runtime over HTTP on the loopback interface,
 * with a page that runs Python against kiln's lockfile. A small single-threaded
 * HTTP/1.1 server: GET and HEAD of flat file names, one request per connection, many
 * connections at once through poll(2). */

extern const struct kiln_cmd cmd_serve;
extern const char embed_serve_html[];
extern const size_t embed_serve_html_len;

struct serve_opts {
	long port;
	const char *dist;
	struct cmd_target t;
};

static bool set_port(void *field, const char *value)
{
	char *end;
	long port = strtol(value, &end, 10);
	if (*end || end == value || port < 0 || port > 65535)
		return false;
	*(long *)field = port;
	return true;
}

static const struct cmd_opt options[] = {
	{"port", 0, "N", "the port (default 8000; 0: any free port, printed)",
		.at = CMD_AT(struct serve_opts, port, long), .set = set_port,
		.bad = "needs 0 to 65535"},
	{"dist", 0, "DIR", "wheels and pyodide-lock.json (default dist)",
		CMD_STR(struct serve_opts, dist)},
	CMD_TARGET_OPTS(struct serve_opts, t),
	{0},
};

#define MAX_REQUEST 16384
#define MAX_CONNS 32
#define CLIENT_TIMEOUT 30.0 /* seconds a connection may stay idle */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct server {
	const char *dist, *runtime;
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

/* One connection: its request head is read, then the response written, without
 * blocking the others (browsers open several and may leave some idle). */
struct conn {
	int fd;
	struct buf in;
	char *head;        /* response header */
	size_t head_off;
	const char *body;  /* a body in memory (not owned) ... */
	char *own_body;    /* ... or owned */
	int file;          /* ... or a file; -1 */
	off_t body_off, body_len;
	bool writing;
	double last;       /* last activity, for the idle timeout */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void conn_close(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	buf_free(&c->in);
	free(c->head);
	free(c->own_body);
	*c = (struct conn){.fd = -1, .file = -1};
}

static void respond(struct conn *c, int code, const char *reason, const char *type,
	off_t len, bool head)
{
	c->head = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
		"Cache-Control: no-store\r\nConnection: close\r\n\r\n", code, reason, type,
		(long long)len);
	c->body_len = head ? 0 : len;
	c->writing = true;
}

static void error_page(struct conn *c, int code, const char *reason, bool head)
{
	c->own_body = xasprintf("%d %s\n", code, reason);
	c->body = c->own_body;
	respond(c, code, reason, "text/plain; charset=utf-8", (off_t)strlen(c->own_body), head);
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

static void send_file(struct conn *c, const char *path, const char *name, bool head)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (f < 0 || fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (f >= 0)
			close(f);
		error_page(c, 404, "Not Found", head);
		return;
	}
	c->file = f;
	respond(c, 200, "OK", content_type(name), st.st_size, head);
}

/* the request head is complete: decide the response */
static void route(const struct server *sv, struct conn *c)
{
	char method[16], target[4096], version[16];
	if (sscanf(c->in.s, "%15s %4095s %15s", method, target, version) != 3 ||
	    !str_startswith(version, "HTTP/1.")) {
		error_page(c, 400, "Bad Request", false);
		return;
	}
	bool head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		error_page(c, 405, "Method Not Allowed", false);
		return;
	}
	log_debug("%s %s", method, target);
	char *name = target_name(target);
	if (!name) {
		error_page(c, 404, "Not Found", head);
	} else if (!*name || strcmp(name, "index.html") == 0) {
		c->body = embed_serve_html;
		respond(c, 200, "OK", content_type(".html"), (off_t)embed_serve_html_len, head);
	} else if (strcmp(name, "kiln-packages.json") == 0) {
		/* read at each request: a build while serving shows up on reload */
		c->own_body = packages_json(sv->dist);
		c->body = c->own_body;
		respond(c, 200, "OK", content_type(name), (off_t)strlen(c->own_body), head);
	} else {
		/* dist/ first: its pyodide-lock.json and package files; then the runtime */
		char *path = path_join(sv->dist, name);
		if (!path_is_file(path)) {
			free(path);
			path = path_join(sv->runtime, name);
		}
		send_file(c, path, name, head);
		free(path);
	}
	free(name);
}

/* the connection can be read; false when it is done with */
static bool conn_read(const struct server *sv, struct conn *c)
{
	char b[4096];
	ssize_t r = recv(c->fd, b, sizeof(b), 0);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0)
		return false;
	buf_add(&c->in, b, (size_t)r);
	if (strstr(c->in.s, "\r\n\r\n"))
		route(sv, c);
	else if (c->in.len >= MAX_REQUEST)
		error_page(c, 431, "Request Header Fields Too Large", false);
	return true;
}

/* the connection can be written; false when the response is complete or failed */
static bool conn_write(struct conn *c)
{
	size_t hl = strlen(c->head);
	if (c->head_off < hl) {
		ssize_t w = send(c->fd, c->head + c->head_off, hl - c->head_off, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EINTR || errno == EAGAIN;
		c->head_off += (size_t)w;
		return true;
	}
	if (c->body_off >= c->body_len)
		return false;
	char b[65536];
	const char *p;
	size_t n = (size_t)(c->body_len - c->body_off);
	if (n > sizeof(b))
		n = sizeof(b);
	if (c->file >= 0) {
		ssize_t r = pread(c->file, b, n, c->body_off);
		if (r <= 0)
			return false;
		n = (size_t)r;
		p = b;
	} else {
		p = c->body + c->body_off;
	}
	ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EINTR || errno == EAGAIN;
	c->body_off += w;
	return c->body_off < c->body_len;
}

/* accept and serve until SIGINT/SIGTERM */
static bool serve_loop(const struct server *sv, int s)
{
	struct conn conns[MAX_CONNS];
	struct pollfd p[MAX_CONNS + 1];
	for (size_t i = 0; i < MAX_CONNS; i++)
		conns[i] = (struct conn){.fd = -1, .file = -1};
	bool ok = true;
	while (!stopping) {
		size_t n = 0, open_conns = 0;
		for (size_t i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			p[i] = (struct pollfd){c->fd, (short)(c->writing ? POLLOUT : POLLIN), 0};
			open_conns += c->fd >= 0;
		}
		p[MAX_CONNS] = (struct pollfd){open_conns < MAX_CONNS ? s : -1, POLLIN, 0};
		n = MAX_CONNS + 1;
		int r = poll(p, n, 1000);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			ok = false;
			break;
		}
		double t = now_s();
		for (size_t i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (c->fd < 0)
				continue;
			bool keep = true;
			if (p[i].revents & (POLLERR | POLLNVAL))
				keep = false;
			else if (p[i].revents)
				keep = c->writing ? conn_write(c) : conn_read(sv, c);
			if (p[i].revents)
				c->last = t;
			else if (t - c->last > CLIENT_TIMEOUT)
				keep = false;
			if (!keep)
				conn_close(c);
		}
		if (p[MAX_CONNS].revents & POLLIN) {
			int fd = accept4(s, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			for (size_t i = 0; fd >= 0 && i < MAX_CONNS; i++) {
				if (conns[i].fd < 0) {
					conns[i] = (struct conn){.fd = fd, .file = -1, .last = t};
					fd = -1;
				}
			}
			if (fd >= 0)
				close(fd);
		}
	}
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
	return ok;
}

static int run(int argc, char **argv)
{
	struct serve_opts o = {.port = 8000, .dist = "dist"};
	if (!cmd_parse(&cmd_serve, &argc, argv, &o))
		return EXIT_USAGE;
	if (argc > 1)
		return cmd_usage_error(&cmd_serve, "unexpected argument '%s'", argv[1]);
	if (!cmd_select_target(&o.t))
		return EXIT_FAIL;
	long port = o.port;
	const char *dist = o.dist;

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
	if (!serve_loop(&sv, s))
		goto out;
	log_info("stopped");
	status = EXIT_OK;
out:
	if (s >= 0)
		close(s);
	free(lock);
	free(runtime_mjs);
	return status;
}

const struct kiln_cmd cmd_serve = {
	.name = "serve",
	.run = run,
	.summary = "serve dist/ and the Pyodide runtime with a Python prompt page on 127.0.0.1",
	.synopsis = "serve [--port N] [--dist DIR]",
	.details = "Serves DIR (default dist) and the Pyodide runtime ($KILN_PYODIDE or the pinned\n"
		   "package) on 127.0.0.1 only, with a page at / that starts Pyodide with DIR's\n"
		   "pyodide-lock.json, lists the packages kiln built with a button to load each,\n"
		   "and runs Python typed into its prompt. Ctrl-C stops it.",
	.opts = options,
};

"""HTTP server for the fetch tests: serves the files of a directory with faults.

usage: server.py DIR
Listens on 127.0.0.1 on a free port and prints "PORT <n>" on stdout. The first path component
selects the behaviour for the file named by the rest:
  /files/NAME      the file
  /flaky/NAME      HTTP 500 for the first two requests of a path, then the file
  /truncated/NAME  Content-Length larger than the body, then the connection closes
  /stall/NAME      half of the body, then nothing until the client gives up
  /slow/NAME       the file in small pieces over about a second
  /loop/NAME       a redirect to itself
  /redirect/NAME   a redirect to /files/NAME
  /wrong/NAME      HTTP 200 with other bytes than the file
  /404/NAME        HTTP 404
  /simple-json/MODE/PROJECT/  a PEP 691 project page of the directory's files of PROJECT
  /simple-html/MODE/PROJECT/  the same as a PEP 503 HTML page (#sha256= fragments)
                   Both link relatively to /MODE/NAME and give each file's sha256; MODE
                   "lie" links to /files/NAME with a wrong sha256. A project without files
                   is HTTP 404.
  /stats           JSON {path: number of requests, "max-slow": most /slow/ at once}
  /reset           forget the counts
"""
import collections
import hashlib
import html
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse

root = sys.argv[1]
counts = collections.Counter()
lock = threading.Lock()
slow_now = 0  # /slow/ responses in progress; the maximum is counts["max-slow"]


def project_of(name):
    for ext in (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz"):
        if name.endswith(ext):
            return re.sub(r"[-_.]+", "-", name[: -len(ext)].rpartition("-")[0]).lower()
    return None


def project_page(kind, mode, project):
    files = []
    for name in sorted(os.listdir(root)):
        if project_of(name) != project:
            continue
        with open(os.path.join(root, name), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        link = mode
        if mode == "lie":
            link, sha = "files", "0" * 64
        files.append((name, "../../../%s/%s" % (link, urllib.parse.quote(name)), sha))
    if not files:
        return None, None
    if kind == "json":
        body = {"meta": {"api-version": "1.1"}, "name": project,
                "files": [{"filename": n, "url": u, "hashes": {"sha256": h}, "yanked": False}
                          for n, u, h in files]}
        return json.dumps(body).encode(), "application/vnd.pypi.simple.v1+json"
    rows = "".join('    <a href="%s#sha256=%s">%s</a><br/>\n' % (html.escape(u), h, html.escape(n))
                   for n, u, h in files)
    body = "<!DOCTYPE html>\n<html><body>\n%s</body></html>\n" % rows
    return body.encode(), "text/html"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, code, body, length=None, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        return body

    def redirect(self, where):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        path = self.path
        with lock:
            counts[path] += 1
            n = counts[path]
        if path == "/stats":
            with lock:
                data = json.dumps(dict(counts)).encode()
            self.wfile.write(self.send_body(200, data, ctype="application/json"))
            return
        if path == "/reset":
            with lock:
                counts.clear()
            self.wfile.write(self.send_body(200, b"ok\n"))
            return
        mode, _, name = path.lstrip("/").partition("/")
        if mode in ("simple-json", "simple-html"):
            fmode, _, project = name.strip("/").partition("/")
            body, ctype = project_page(mode[7:], fmode, project)
            if body is None:
                self.wfile.write(self.send_body(404, b"no such project\n"))
            else:
                self.wfile.write(self.send_body(200, body, ctype=ctype))
            return
        if mode == "loop":
            self.redirect(path)
            return
        if mode == "redirect":
            self.redirect("/files/" + name)
            return
        file = os.path.join(root, os.path.basename(urllib.parse.unquote(name)))
        if mode == "404" or not os.path.isfile(file):
            self.wfile.write(self.send_body(404, b"not found\n"))
            return
        with open(file, "rb") as f:
            data = f.read()
        half = len(data) // 2
        if mode == "files":
            self.wfile.write(self.send_body(200, data))
        elif mode == "flaky":
            if n <= 2:
                self.wfile.write(self.send_body(500, b"try again\n"))
            else:
                self.wfile.write(self.send_body(200, data))
        elif mode == "wrong":
            self.wfile.write(self.send_body(200, bytes(b ^ 0x55 for b in data)))
        elif mode == "truncated":
            self.wfile.write(self.send_body(200, data[:half], length=len(data) + 1000))
            self.close_connection = True
        elif mode == "stall":
            self.wfile.write(self.send_body(200, data[:half], length=len(data)))
            self.wfile.flush()
            deadline = time.time() + 30
            while time.time() < deadline:
                time.sleep(0.1)
                try:
                    self.wfile.write(b"")
                    self.wfile.flush()
                except OSError:
                    break
            self.close_connection = True
        elif mode == "slow":
            global slow_now
            with lock:
                slow_now += 1
                counts["max-slow"] = max(counts["max-slow"], slow_now)
            step = max(1, len(data) // 10)
            chunks = [data[i:i + step] for i in range(0, len(data), step)]
            try:
                self.wfile.write(self.send_body(200, b"", length=len(data)))
                for c in chunks[:-1]:
                    self.wfile.write(c)
                    self.wfile.flush()
                    time.sleep(0.1)
            finally:
                with lock:
                    slow_now -= 1
            self.wfile.write(chunks[-1])
        else:
            self.wfile.write(self.send_body(404, b"unknown mode\n"))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print("PORT", srv.server_address[1], flush=True)
srv.serve_forever()

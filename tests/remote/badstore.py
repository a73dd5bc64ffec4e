#!/usr/bin/python3
"""A misbehaving remote-cache store on 127.0.0.1 for suite remote.

usage: badstore.py MODE STORE_DIR PORT_FILE
  stall     read each request, then answer nothing for 10 minutes
  truncate  serve STORE_DIR (a well-behaved store's files) read-only, but send only the
            first half of each cas/ object's bytes under its full Content-Length; PUT and
            DELETE are accepted and dropped
The port it listens on is written to PORT_FILE once it accepts connections."""

import http.server
import os
import sys
import time

mode, root, port_file = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (mode, fmt % args))

    def object(self):
        rel = self.path.lstrip("/")
        parts = rel.split("/")
        if len(parts) != 2 or parts[0] not in ("ac", "cas") or not parts[1].isalnum():
            return None
        path = os.path.join(root, *parts)
        return path if os.path.isfile(path) else None

    def answer(self, body):
        if mode == "stall":
            time.sleep(600)
            return
        path = self.object()
        if path is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not body:
            return
        if self.path.startswith("/cas/"):
            data = data[: len(data) // 2]
            self.close_connection = True
        self.wfile.write(data)
        self.wfile.flush()

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def drop(self):
        if mode == "stall":
            time.sleep(600)
            return
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, 65536))
            if not got:
                break
            n -= len(got)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = drop
    do_DELETE = drop


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()

#!/usr/bin/env python3
"""A key-value store over HTTP, kept in Redis; Python's standard library only.

GET /health      200 once Redis answers PING, else 503
PUT /kv/KEY      stores the request's body under KEY, 204
GET /kv/KEY      200 with the value, 404 when there is none
DELETE /kv/KEY   204
"""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import resp

REDIS_PORT = int(os.environ["REDIS_PORT"])
WEB_PORT = int(os.environ["WEB_PORT"])


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def key(self):
        return self.path[len("/kv/"):] if self.path.startswith("/kv/") else None

    def do_GET(self):
        if self.path == "/health":
            try:
                resp.command(REDIS_PORT, "PING")
                self.reply(200, b"ok\n")
            except (OSError, RuntimeError) as error:
                self.reply(503, f"redis: {error}\n".encode())
        elif self.key():
            value = resp.command(REDIS_PORT, "GET", "kv:" + self.key())
            if value is None:
                self.reply(404)
            else:
                self.reply(200, value.encode())
        else:
            self.reply(404)

    def do_PUT(self):
        if not self.key():
            return self.reply(404)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        resp.command(REDIS_PORT, "SET", "kv:" + self.key(), body.decode())
        self.reply(204)

    def do_DELETE(self):
        if not self.key():
            return self.reply(404)
        resp.command(REDIS_PORT, "DEL", "kv:" + self.key())
        self.reply(204)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", WEB_PORT), Handler)
    print(f"web listening on 127.0.0.1:{WEB_PORT}, redis on {REDIS_PORT}")
    server.serve_forever()

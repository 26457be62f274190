#!/usr/bin/env python3
"""A visit counter over HTTP, kept in Redis; Python's standard library only.

GET /health   200 once Redis answers PING
POST /visits  adds one visit, returns {"visits": N}
GET /visits   returns {"visits": N}
"""
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIS_PORT = int(os.environ["SUMMON_PORT_REDIS"])
API_PORT = int(os.environ["SUMMON_PORT_API"])


def redis(*args):
    """Sends one command in Redis's protocol (RESP) and returns its reply."""
    request = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in map(str, args))
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=2) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile("rb")
        line = reply.readline().decode().rstrip("\r\n")
        kind, value = line[0], line[1:]
        if kind == "-":
            raise RuntimeError(value)
        if kind == ":":
            return int(value)
        if kind == "$":  # a string of that many bytes, or -1 for none
            return None if value == "-1" else reply.read(int(value) + 2)[:-2].decode()
        return value


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            try:
                redis("PING")
                self.reply(200, {"redis": "ok"})
            except (OSError, RuntimeError) as error:
                self.reply(503, {"redis": str(error)})
        elif self.path == "/visits":
            self.reply(200, {"visits": int(redis("GET", "visits") or 0)})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path == "/visits":
            self.reply(200, {"visits": redis("INCR", "visits")})
        else:
            self.reply(404, {"error": "not found"})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", API_PORT), Handler)
    print(f"api listening on 127.0.0.1:{API_PORT}, redis on {REDIS_PORT}", flush=True)
    server.serve_forever()

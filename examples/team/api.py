"""The team's API: Python's standard library only.

GET /health  200 once the cache answers PING (503 otherwise): the `http` probe.
GET /        the greeting (GREETING), and a visit count kept in the cache, which
             expires after VISITS_TTL seconds (never, when VISITS_TTL is unset).
"""
import http.server
import json
import os
import socket
import sys

port = int(sys.argv[1])
cache_port = int(os.environ["SUMMON_PORT_CACHE"])
greeting = os.environ["GREETING"]
visits_ttl = os.environ.get("VISITS_TTL")


def cache(*words):
    """Sends one command in RESP and returns its reply line, such as "+PONG" or ":3"."""
    command = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", cache_port), timeout=2) as conn:
        conn.sendall(command.encode())
        return conn.makefile("rb").readline().decode().rstrip("\r\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/health":
                pong = cache("PING")
                self.answer(200 if pong == "+PONG" else 503, {"cache": pong})
            elif self.path == "/":
                visits = int(cache("INCR", "visits").lstrip(":"))
                if visits_ttl:
                    cache("EXPIRE", "visits", visits_ttl)
                self.answer(200, {"greeting": greeting, "visits": visits,
                                  "visits_ttl": int(visits_ttl) if visits_ttl else None})
            else:
                self.answer(404, {"error": "no such path"})
        except (OSError, ValueError) as error:
            self.answer(503, {"error": str(error)})

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"api listening on http://127.0.0.1:{port}/", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    server.server_close()

"""The quickstart's API: Python's standard library only.

GET /health  200 once Redis answers PING (503 otherwise): the `http` probe.
GET /items   the rows of the `items` table, as JSON, with a visit count kept in Redis.

PostgreSQL is reached through `psql` (PGHOST, PGPORT and PGUSER come from the
file's top-level env), Redis through a raw socket on $SUMMON_PORT_REDIS.
"""
import http.server
import json
import os
import socket
import subprocess
import sys

port = int(sys.argv[1])
redis_port = int(os.environ["SUMMON_PORT_REDIS"])


def redis(*words):
    """Sends one command in RESP and returns its reply line, such as "+PONG" or ":3"."""
    command = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", redis_port), timeout=2) as conn:
        conn.sendall(command.encode())
        return conn.makefile("rb").readline().decode().rstrip("\r\n")


def items():
    # psql prints the one value json_agg builds: the rows, already as JSON.
    query = "select coalesce(json_agg(i order by id), '[]') from items i"
    out = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", query],
                         capture_output=True, text=True, check=True, timeout=10).stdout
    return json.loads(out)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/health":
                pong = redis("PING")
                self.answer(200 if pong == "+PONG" else 503, {"cache": pong})
            elif self.path == "/items":
                visits = int(redis("INCR", "visits").lstrip(":"))
                self.answer(200, {"items": items(), "visits": visits})
            else:
                self.answer(404, {"error": "no such path"})
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            self.answer(503, {"error": str(error)})

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        # The page comes from the web service, on another port.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"api listening on http://127.0.0.1:{port}/", flush=True)
server.serve_forever()

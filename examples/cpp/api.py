"""The example's API service.

At start-up it fetches the web service's front page once; GET / then answers
with what it fetched. It can only have done so if web was ready before it
started, which is what `depends_on("web")` promises.

Port: argv[1], else $SUMMON_PORT_API. The web service: $SUMMON_PORT_WEB.
summon sets SUMMON_PORT_<NAME> for every declared port.
"""
import http.client
import http.server
import os
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ["SUMMON_PORT_API"])

# http.client, not urllib: no proxy settings can get in the way of 127.0.0.1.
web = http.client.HTTPConnection("127.0.0.1", int(os.environ["SUMMON_PORT_WEB"]), timeout=10)
web.request("GET", "/")
fetched = web.getresponse().read().decode()
web.close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            self.send_error(404)
            return
        body = f"api; from web:\n{fetched}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
# The line the `log` probe waits for: printed once the socket listens, and
# flushed, since stdout is a pipe and Python would otherwise hold it back.
print(f"api listening on 127.0.0.1:{port}", flush=True)
server.serve_forever()

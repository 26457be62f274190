"""A Redis client in twenty lines (RESP, the protocol of redis-cli), so that
neither the app nor the tests need more than Python's standard library."""
import socket


def command(port, *args):
    """Sends one command to the Redis on 127.0.0.1:port and returns its reply:
    an int, a str, or None for a missing value. An error reply is raised."""
    words = [str(arg) for arg in args]
    request = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile("rb")
        line = reply.readline().decode().rstrip("\r\n")
        kind, value = line[:1], line[1:]
        if kind == "-":
            raise RuntimeError(value)
        if kind == ":":
            return int(value)
        if kind == "$":  # a string of that many bytes, or -1 for none
            return None if value == "-1" else reply.read(int(value) + 2)[:-2].decode()
        if kind == "+":
            return value
        raise RuntimeError(f"unexpected reply {line!r}")

// Talking to services from the test: ports held open, connects, and a plain HTTP GET.
#pragma once

#include <chrono>
#include <string>

namespace summon::testing {

/// A TCP socket listening on 127.0.0.1, on a port the kernel picked; closed with the object.
class TcpListener {
 public:
  TcpListener();
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// A port that was free a moment ago (bound to port 0, then released).
int free_port();

/// True when a TCP connect to 127.0.0.1 (or ::1) on `port` succeeds now.
bool can_connect_tcp(int port, bool ipv6 = false);

/// True when a stream connect to the unix socket at `path` succeeds now.
bool can_connect_unix(const std::string& path);

/// True when this machine can listen on ::1.
bool has_ipv6();

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
};

/// GET http://127.0.0.1:PORT/, reading the answer to its end within `timeout`.
HttpAnswer http_get(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
/// GET http://127.0.0.1:PORT`path` ("/items"), the same way.
HttpAnswer http_get(int port, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace summon::testing

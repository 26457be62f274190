// What the network probes' attempts share: the text of an error, and a TCP
// connect that tries each address of a host in turn.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "config/project_spec.hpp"

namespace summon::runtime {

/// How an attempt's error reads in last_result(): "connection refused", or
/// "no answer within 5s" when the attempt ran past `timeout`.
std::string error_text(const boost::system::error_code& error, config::Duration timeout);

/// Opens `socket` for `protocol` with close-on-exec set from the first
/// instant: Asio's own open() does not set it, and inside a host program (the
/// library) a probe's connection would leak into the host's own children.
/// On failure the socket stays closed, and the connect that follows opens it
/// and reports the error.
template <typename Socket>
void open_close_on_exec(Socket& socket, const typename Socket::protocol_type& protocol) {
  const int fd = ::socket(protocol.family(), protocol.type() | SOCK_CLOEXEC, protocol.protocol());
  if (fd < 0) return;
  boost::system::error_code error;
  socket.assign(protocol, fd, error);
  if (error) ::close(fd);
}

/// "127.0.0.1:5432", "[::1]:5432".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

/// Connects a stream to host:port. A literal address is tried as it is;
/// localhost as ::1, then 127.0.0.1; any other name is resolved, and its
/// addresses are tried in order, all before one deadline.
class TcpConnect {
 public:
  using Endpoint = boost::asio::ip::tcp::endpoint;
  using Deadline = std::chrono::steady_clock::time_point;
  /// With no error: the endpoint that accepted. Otherwise the error of the
  /// last address tried and that address, or the name's error and nullopt.
  /// Past the deadline the error is boost::beast::error::timeout.
  using Done = std::function<void(const boost::system::error_code& error,
                                  const std::optional<Endpoint>& endpoint)>;

  TcpConnect(boost::asio::io_context& io, boost::beast::tcp_stream& stream);

  /// Begins a connect that ends by `deadline`; `done` is called once, from
  /// the loop, unless cancel() comes first. `done` may hold what owns this
  /// object: its handlers keep it. One connect at a time.
  void start(const std::string& host, unsigned short port, Deadline deadline, Done done);
  /// Stops the resolution or connect under way, for good, and closes the stream.
  void cancel();

 private:
  void connect_next(Done done, const boost::system::error_code& failure,
                    const std::optional<Endpoint>& failed);

  boost::asio::ip::tcp::resolver resolver_;
  // A name's resolution (getaddrinfo, on Asio's thread) has no timeout of
  // its own: this bounds it, and an answer that comes later is dropped.
  boost::asio::steady_timer resolve_limit_;
  boost::beast::tcp_stream& stream_;
  Deadline deadline_;
  std::vector<Endpoint> endpoints_;  // this connect's, tried in order
  std::size_t next_ = 0;
  unsigned resolution_ = 0;  // which start() a resolver or limit handler belongs to
  bool resolving_ = false;
  bool cancelled_ = false;
};

}  // namespace summon::runtime

// error_text(), endpoint_text() and TcpConnect, for the tcp, http and unix probes.
#include "runtime/net_attempt.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/error.hpp>

#include "config/duration.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// The addresses to try for `host`, or nullopt when it is a name to resolve.
std::optional<std::vector<tcp::endpoint>> literal_endpoints(const std::string& host,
                                                            unsigned short port) {
  // ::1 first: when neither answers, the message names 127.0.0.1, which users
  // expect, rather than an error from a machine without IPv6.
  if (host == "localhost")
    return std::vector<tcp::endpoint>{{asio::ip::address_v6::loopback(), port},
                                      {asio::ip::address_v4::loopback(), port}};
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  return std::vector<tcp::endpoint>{{address, port}};
}

}  // namespace

std::string error_text(const boost::system::error_code& error, config::Duration timeout) {
  if (error == boost::beast::error::timeout)
    return fmt::format("no answer within {}", config::format_duration(timeout));
  std::string text = error.message();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  if (endpoint.address().is_v6())
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

TcpConnect::TcpConnect(asio::io_context& io, boost::beast::tcp_stream& stream)
    : resolver_(io), resolve_limit_(io), stream_(stream) {}

void TcpConnect::start(const std::string& host, unsigned short port, Deadline deadline, Done done) {
  next_ = 0;
  deadline_ = deadline;
  if (auto endpoints = literal_endpoints(host, port)) {
    endpoints_ = std::move(*endpoints);
    return connect_next(std::move(done), {}, std::nullopt);
  }
  // Whichever of the answer and the limit comes first takes `done`.
  const unsigned resolution = ++resolution_;
  resolving_ = true;
  auto waiting = std::make_shared<Done>(std::move(done));
  resolve_limit_.expires_at(deadline);
  resolve_limit_.async_wait([this, resolution, waiting](const boost::system::error_code& error) {
    if (error || cancelled_ || !resolving_ || resolution != resolution_) return;
    resolving_ = false;
    resolver_.cancel();
    const Done done = std::move(*waiting);
    done(boost::beast::error::timeout, std::nullopt);
  });
  resolver_.async_resolve(host, std::to_string(port), tcp::resolver::numeric_service,
                          [this, resolution, waiting](const boost::system::error_code& error,
                                                      const tcp::resolver::results_type& found) {
                            if (cancelled_ || !resolving_ || resolution != resolution_) return;
                            resolving_ = false;
                            resolve_limit_.cancel();
                            Done done = std::move(*waiting);
                            if (error) return done(error, std::nullopt);
                            endpoints_.clear();
                            for (const auto& entry : found) endpoints_.push_back(entry.endpoint());
                            connect_next(std::move(done), {}, std::nullopt);
                          });
}

void TcpConnect::connect_next(Done done, const boost::system::error_code& failure,
                              const std::optional<Endpoint>& failed) {
  if (next_ == endpoints_.size()) {
    // A name that resolved to nothing has no address to blame.
    return done(failed ? failure : asio::error::host_not_found, failed);
  }
  const Endpoint endpoint = endpoints_[next_++];
  // A socket that failed to connect stays open in its address family; the
  // next endpoint may be of the other one.
  stream_.close();
  open_close_on_exec(stream_.socket(), endpoint.protocol());
  stream_.expires_at(deadline_);
  stream_.async_connect(
      endpoint, [this, endpoint, done = std::move(done)](const boost::system::error_code& error) {
        if (cancelled_) return;
        if (error) return connect_next(std::move(done), error, endpoint);
        done(error, endpoint);
      });
}

void TcpConnect::cancel() {
  cancelled_ = true;
  resolving_ = false;
  resolver_.cancel();
  resolve_limit_.cancel();
  stream_.close();
}

}  // namespace summon::runtime

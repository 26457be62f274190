// The `tcp` probe: ready once a TCP connect to the service's port succeeds,
// tried again after next_attempt_delay() until then.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

// Not probe_kinds.hpp: its `Duration` (config's milliseconds) and backoff.hpp's
// (steady_clock's) clash in one namespace. make_tcp_probe below matches it.
#include "runtime/backoff.hpp"
#include "runtime/probe.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// On loopback a connect is answered at once; the limit is for a remote host
// that drops packets, and leaves room for two SYN retransmissions.
constexpr auto attempt_timeout = std::chrono::seconds(5);

std::string error_text(const boost::system::error_code& error) {
  if (error == beast::error::timeout)
    return fmt::format("no answer within {}s", attempt_timeout.count());
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

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the probe is gone.
struct State {
  State(asio::io_context& io, ProbeEvents events, std::string host, int port, Duration interval)
      : events(std::move(events)),
        host(std::move(host)),
        port(static_cast<unsigned short>(port)),
        interval(interval),
        resolver(io),
        stream(io),
        retry(io) {}

  ProbeEvents events;
  std::string host;
  unsigned short port;
  Duration interval;
  Clock::time_point started;
  tcp::resolver resolver;
  beast::tcp_stream stream;
  asio::steady_timer retry;
  std::vector<tcp::endpoint> endpoints;  // this attempt's, tried in order
  std::size_t next = 0;
  std::string last;
  bool stopped = false;  // destroyed or reported: no handler may act
};

using StatePtr = std::shared_ptr<State>;

void stop(State& state) {
  state.stopped = true;
  state.resolver.cancel();
  state.stream.close();
  state.retry.cancel();
}

void attempt(const StatePtr& state);

void retry_later(const StatePtr& state) {
  state->stream.close();
  state->retry.expires_after(next_attempt_delay(Clock::now() - state->started, state->interval));
  state->retry.async_wait([state](const boost::system::error_code& error) {
    if (error || state->stopped) return;
    attempt(state);
  });
}

// `failure` is what the endpoint tried just before said; it becomes last_result
// only when the whole attempt has failed.
void connect_next(const StatePtr& state, std::string failure) {
  if (state->next == state->endpoints.size()) {
    state->last = std::move(failure);
    return retry_later(state);
  }
  const tcp::endpoint endpoint = state->endpoints[state->next++];
  // A socket that failed to connect stays open in its address family; the
  // next endpoint may be of the other one.
  state->stream.close();
  state->stream.expires_after(attempt_timeout);
  state->stream.async_connect(endpoint, [state, endpoint](const boost::system::error_code& error) {
    if (state->stopped) return;
    if (error)
      return connect_next(state,
                          fmt::format("tcp {}: {}", endpoint_text(endpoint), error_text(error)));
    state->last = fmt::format("tcp {}: connected", endpoint_text(endpoint));
    stop(*state);
    if (state->events.ready) state->events.ready();
  });
}

void attempt(const StatePtr& state) {
  state->next = 0;
  if (auto endpoints = literal_endpoints(state->host, state->port)) {
    state->endpoints = std::move(*endpoints);
    return connect_next(state, {});
  }
  state->resolver.async_resolve(
      state->host, std::to_string(state->port), tcp::resolver::numeric_service,
      [state](const boost::system::error_code& error, const tcp::resolver::results_type& found) {
        if (state->stopped) return;
        if (error) {
          state->last = fmt::format("tcp {}:{}: {}", state->host, state->port, error_text(error));
          return retry_later(state);
        }
        state->endpoints.clear();
        for (const auto& entry : found) state->endpoints.push_back(entry.endpoint());
        connect_next(state, {});
      });
}

class TcpConnectProbe final : public Probe {
 public:
  explicit TcpConnectProbe(StatePtr state) : state_(std::move(state)) {}
  ~TcpConnectProbe() override { stop(*state_); }
  TcpConnectProbe(const TcpConnectProbe&) = delete;
  TcpConnectProbe& operator=(const TcpConnectProbe&) = delete;

  // Every path out of attempt() waits on asio first, so nothing reports from here.
  void start() override {
    state_->started = Clock::now();
    attempt(state_);
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<Probe> make_tcp_probe(const config::TcpProbe& spec, config::Duration interval,
                                      const ProbeTarget& target, ProbeContext& context,
                                      ProbeEvents events) {
  (void)target;
  return std::make_unique<TcpConnectProbe>(std::make_shared<State>(
      context.io, std::move(events), spec.host, spec.port.number, interval));
}

}  // namespace summon::runtime

// The `tcp` probe: ready once a TCP connect to the service's port succeeds,
// tried again after next_attempt_delay() until then.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/beast/core/tcp_stream.hpp>

#include "runtime/backoff.hpp"
#include "runtime/net_attempt.hpp"
#include "runtime/port_owner.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// On loopback a connect is answered at once; the limit is for a remote host
// that drops packets, and leaves room for two SYN retransmissions.
constexpr auto attempt_timeout = std::chrono::seconds(5);

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the probe is gone.
struct State {
  State(boost::asio::io_context& io, ProbeEvents events, std::string host, int port,
        Duration interval, std::function<bool(pid_t)> owns, std::string service)
      : events(std::move(events)),
        owns(std::move(owns)),
        service(std::move(service)),
        host(std::move(host)),
        port(static_cast<unsigned short>(port)),
        stream(io),
        connect(io, stream, attempt_timeout),
        retry(io, interval) {}

  ProbeEvents events;
  std::function<bool(pid_t)> owns;  // whether a process is the service's
  std::string service;
  std::string host;
  unsigned short port;
  boost::beast::tcp_stream stream;
  TcpConnect connect;
  Backoff retry;
  std::string last;
  bool stopped = false;  // destroyed or reported: no handler may act
};

using StatePtr = std::shared_ptr<State>;

void stop(State& state) {
  state.stopped = true;
  state.connect.cancel();
  state.retry.cancel();
}

// A connect proves the service ready only if the service is what accepted
// it. On loopback the listener can be seen: if processes hold the port and
// none is the service's, another program has it (which the check before the
// spawn would not see when it came later). When no holder can be seen (a
// process of another user, to a summon that is not root), nothing is known
// and the connect counts.
std::optional<std::string> someone_else_listens(const State& state) {
  if (!state.owns || !is_loopback_host(state.host)) return std::nullopt;
  const auto holders = port_holders(state.port);
  if (holders.empty()) return std::nullopt;
  for (long pid : holders)
    if (state.owns(static_cast<pid_t>(pid))) return std::nullopt;
  return fmt::format("accepted by {}, not by a process of {}",
                     port_owner(state.port).value_or("pid " + std::to_string(holders.front())),
                     state.service);
}

void attempt(const StatePtr& state);

void retry_later(const StatePtr& state) {
  state->stream.close();
  state->retry.wait([state] {
    if (!state->stopped) attempt(state);
  });
}

void attempt(const StatePtr& state) {
  state->connect.start(
      state->host, state->port,
      [state](const boost::system::error_code& error,
              const std::optional<TcpConnect::Endpoint>& endpoint) {
        if (state->stopped) return;
        if (!error) {
          if (auto other = someone_else_listens(*state)) {
            state->last = fmt::format("tcp {}: {}", endpoint_text(*endpoint), *other);
            retry_later(state);
            return;
          }
          state->last = fmt::format("tcp {}: connected", endpoint_text(*endpoint));
          stop(*state);
          if (state->events.ready) state->events.ready();
          return;
        }
        const std::string where =
            endpoint ? endpoint_text(*endpoint) : fmt::format("{}:{}", state->host, state->port);
        state->last = fmt::format("tcp {}: {}", where, error_text(error, attempt_timeout));
        retry_later(state);
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
    state_->retry.begin();
    attempt(state_);
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<Probe> make_tcp_probe(const config::TcpProbe& spec, Duration interval,
                                      const ProbeTarget& target, ProbeContext& context,
                                      ProbeEvents events) {
  return std::make_unique<TcpConnectProbe>(
      std::make_shared<State>(context.io, std::move(events), spec.host, spec.port.number, interval,
                              target.owns, target.service));
}

}  // namespace summon::runtime

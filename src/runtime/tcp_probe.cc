// The `tcp` probe's attempt: a TCP connect to the service's port, which
// holds when the service is what accepted it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/beast/core/tcp_stream.hpp>

#include "runtime/net_attempt.hpp"
#include "runtime/port_owner.hpp"
#include "runtime/probe_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the attempt is gone.
struct State {
  State(boost::asio::io_context& io, std::string host, int port, std::function<bool(pid_t)> owns,
        std::string service)
      : owns(std::move(owns)),
        service(std::move(service)),
        host(std::move(host)),
        port(static_cast<unsigned short>(port)),
        stream(io),
        connect(io, stream) {}

  std::function<bool(pid_t)> owns;  // whether a process is the service's
  std::string service;
  std::string host;
  unsigned short port;
  boost::beast::tcp_stream stream;
  TcpConnect connect;
  ProbeAttempt::Done done;  // the attempt under way's
  Duration timeout{};
  bool stopped = false;  // destroyed: no handler may act
};

using StatePtr = std::shared_ptr<State>;

// A connect proves the service alive only if the service is what accepted
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

// The last thing a handler does: `done` may destroy the attempt.
void finish(const StatePtr& state, AttemptResult::Outcome outcome, std::string text) {
  state->stream.close();
  const ProbeAttempt::Done done = std::move(state->done);
  state->done = nullptr;
  done({outcome, std::move(text)});
}

class TcpAttempt final : public ProbeAttempt {
 public:
  explicit TcpAttempt(StatePtr state) : state_(std::move(state)) {}
  ~TcpAttempt() override {
    state_->stopped = true;
    state_->done = nullptr;
    state_->connect.cancel();
  }
  TcpAttempt(const TcpAttempt&) = delete;
  TcpAttempt& operator=(const TcpAttempt&) = delete;

  // Every path out of the connect waits on asio first, so nothing reports from here.
  void run(Duration timeout, Done done) override {
    state_->done = std::move(done);
    state_->timeout = timeout;
    state_->connect.start(
        state_->host, state_->port, std::chrono::steady_clock::now() + timeout,
        [state = state_](const boost::system::error_code& error,
                         const std::optional<TcpConnect::Endpoint>& endpoint) {
          if (state->stopped) return;
          using Outcome = AttemptResult::Outcome;
          if (!error) {
            const std::string where = endpoint_text(*endpoint);
            if (auto other = someone_else_listens(*state))
              return finish(state, Outcome::failed, fmt::format("tcp {}: {}", where, *other));
            return finish(state, Outcome::held, fmt::format("tcp {}: connected", where));
          }
          const std::string where =
              endpoint ? endpoint_text(*endpoint) : fmt::format("{}:{}", state->host, state->port);
          finish(state, Outcome::failed,
                 fmt::format("tcp {}: {}", where, error_text(error, state->timeout)));
        });
  }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<ProbeAttempt> make_tcp_attempt(const config::TcpProbe& spec,
                                               const ProbeTarget& target, ProbeContext& context) {
  return std::make_unique<TcpAttempt>(std::make_shared<State>(
      context.io, spec.host, spec.port.number, target.owns, target.service));
}

std::unique_ptr<Probe> make_tcp_probe(const config::TcpProbe& spec, Duration interval,
                                      const ProbeTarget& target, ProbeContext& context,
                                      ProbeEvents events) {
  return make_polled_probe(make_tcp_attempt(spec, target, context), interval, context,
                           std::move(events));
}

}  // namespace summon::runtime

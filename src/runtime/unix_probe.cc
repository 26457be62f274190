// The `unix` probe: ready once a stream connect to the service's unix socket
// succeeds, tried again after next_attempt_delay() until then.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/system/system_error.hpp>

#include "runtime/backoff.hpp"
#include "runtime/net_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Socket = asio::local::stream_protocol;

// A unix connect is answered at once; the limit only guards against a wait
// that never ends.
constexpr auto attempt_timeout = std::chrono::seconds(5);

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the probe is gone.
struct State {
  State(asio::io_context& io, ProbeEvents events, std::string path, Duration interval)
      : events(std::move(events)), path(std::move(path)), stream(io), retry(io, interval) {}

  ProbeEvents events;
  std::string path;
  std::optional<Socket::endpoint> endpoint;  // nullopt: the path cannot be a socket's
  beast::basic_stream<Socket> stream;
  Backoff retry;
  std::string last;
  bool stopped = false;  // destroyed or reported: no handler may act
};

using StatePtr = std::shared_ptr<State>;

void stop(State& state) {
  state.stopped = true;
  state.stream.close();
  state.retry.cancel();
}

void attempt(const StatePtr& state) {
  state->stream.close();  // a failed connect leaves the socket open
  open_close_on_exec(state->stream.socket(), state->endpoint->protocol());
  state->stream.expires_after(attempt_timeout);
  state->stream.async_connect(*state->endpoint, [state](const boost::system::error_code& error) {
    if (state->stopped) return;
    if (!error) {
      state->last = fmt::format("unix {}: connected", state->path);
      stop(*state);
      if (state->events.ready) state->events.ready();
      return;
    }
    state->last = fmt::format("unix {}: {}", state->path, error_text(error, attempt_timeout));
    state->stream.close();
    state->retry.wait([state] {
      if (!state->stopped) attempt(state);
    });
  });
}

class UnixConnectProbe final : public Probe {
 public:
  explicit UnixConnectProbe(StatePtr state) : state_(std::move(state)) {}
  ~UnixConnectProbe() override { stop(*state_); }
  UnixConnectProbe(const UnixConnectProbe&) = delete;
  UnixConnectProbe& operator=(const UnixConnectProbe&) = delete;

  void start() override {
    state_->retry.begin();
    try {
      state_->endpoint.emplace(state_->path);
    } catch (const boost::system::system_error& error) {
      // A path too long for sun_path can never connect; say so and leave the
      // deadline to the engine, as for any probe that does not hold.
      state_->last =
          fmt::format("unix {}: {}", state_->path, error_text(error.code(), attempt_timeout));
      return;
    }
    attempt(state_);  // completes through asio, so nothing reports from here
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<Probe> make_unix_probe(const config::UnixProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  (void)target;
  return std::make_unique<UnixConnectProbe>(
      std::make_shared<State>(context.io, std::move(events), spec.path, interval));
}

}  // namespace summon::runtime

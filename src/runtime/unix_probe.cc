// The `unix` probe: ready once a stream connect to the service's unix socket
// succeeds, tried again after next_attempt_delay() until then.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

// Not probe_kinds.hpp: its `Duration` (config's milliseconds) and backoff.hpp's
// (steady_clock's) clash in one namespace. make_unix_probe below matches it.
#include "runtime/backoff.hpp"
#include "runtime/probe.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Socket = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

// A unix connect is answered at once; the limit only guards against a wait
// that never ends.
constexpr auto attempt_timeout = std::chrono::seconds(5);

std::string error_text(const boost::system::error_code& error) {
  if (error == beast::error::timeout)
    return fmt::format("no answer within {}s", attempt_timeout.count());
  std::string text = error.message();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the probe is gone.
struct State {
  State(asio::io_context& io, ProbeEvents events, std::string path, Duration interval)
      : events(std::move(events)),
        path(std::move(path)),
        interval(interval),
        stream(io),
        retry(io) {}

  ProbeEvents events;
  std::string path;
  std::optional<Socket::endpoint> endpoint;  // nullopt: the path cannot be a socket's
  Duration interval;
  Clock::time_point started;
  beast::basic_stream<Socket> stream;
  asio::steady_timer retry;
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
  state->stream.expires_after(attempt_timeout);
  state->stream.async_connect(*state->endpoint, [state](const boost::system::error_code& error) {
    if (state->stopped) return;
    if (!error) {
      state->last = fmt::format("unix {}: connected", state->path);
      stop(*state);
      if (state->events.ready) state->events.ready();
      return;
    }
    state->last = fmt::format("unix {}: {}", state->path, error_text(error));
    state->stream.close();
    state->retry.expires_after(next_attempt_delay(Clock::now() - state->started, state->interval));
    state->retry.async_wait([state](const boost::system::error_code& waited) {
      if (waited || state->stopped) return;
      attempt(state);
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
    state_->started = Clock::now();
    try {
      state_->endpoint.emplace(state_->path);
    } catch (const boost::system::system_error& error) {
      // A path too long for sun_path can never connect; say so and leave the
      // deadline to the engine, as for any probe that does not hold.
      state_->last = fmt::format("unix {}: {}", state_->path, error_text(error.code()));
      return;
    }
    attempt(state_);  // completes through asio, so nothing reports from here
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<Probe> make_unix_probe(const config::UnixProbe& spec, config::Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  (void)target;
  return std::make_unique<UnixConnectProbe>(
      std::make_shared<State>(context.io, std::move(events), spec.path, interval));
}

}  // namespace summon::runtime

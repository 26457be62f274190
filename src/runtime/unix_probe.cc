// The `unix` probe's attempt: a stream connect to the service's unix
// socket, which holds when it succeeds.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/system/system_error.hpp>

#include "runtime/net_attempt.hpp"
#include "runtime/probe_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Socket = asio::local::stream_protocol;

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the attempt is gone.
struct State {
  State(asio::io_context& io, std::string path) : path(std::move(path)), stream(io) {}

  std::string path;
  std::optional<Socket::endpoint> endpoint;  // nullopt: the path cannot be a socket's
  std::string unusable;                      // why, then
  beast::basic_stream<Socket> stream;
  ProbeAttempt::Done done;  // the attempt under way's
  bool stopped = false;     // destroyed: no handler may act
};

using StatePtr = std::shared_ptr<State>;

// The last thing a handler does: `done` may destroy the attempt.
void finish(const StatePtr& state, AttemptResult::Outcome outcome, std::string what) {
  state->stream.close();
  const ProbeAttempt::Done done = std::move(state->done);
  state->done = nullptr;
  done({outcome, fmt::format("unix {}: {}", state->path, what)});
}

class UnixAttempt final : public ProbeAttempt {
 public:
  UnixAttempt(asio::io_context& io, StatePtr state) : io_(io), state_(std::move(state)) {
    try {
      state_->endpoint.emplace(state_->path);
    } catch (const boost::system::system_error& error) {
      // A path too long for sun_path can never connect: every attempt says
      // so, and the verdict is left to whoever counts them, as for any
      // attempt that does not hold.
      state_->unusable = error_text(error.code(), {});
    }
  }
  ~UnixAttempt() override {
    state_->stopped = true;
    state_->done = nullptr;
    state_->stream.close();
  }
  UnixAttempt(const UnixAttempt&) = delete;
  UnixAttempt& operator=(const UnixAttempt&) = delete;

  void run(Duration timeout, Done done) override {
    state_->done = std::move(done);
    if (!state_->endpoint) {
      asio::post(io_, [state = state_] {
        if (!state->stopped) finish(state, AttemptResult::Outcome::failed, state->unusable);
      });
      return;
    }
    state_->stream.close();  // a failed connect leaves the socket open
    open_close_on_exec(state_->stream.socket(), state_->endpoint->protocol());
    state_->stream.expires_after(timeout);
    // Completes through asio, so nothing reports from here.
    state_->stream.async_connect(
        *state_->endpoint, [state = state_, timeout](const boost::system::error_code& error) {
          if (state->stopped) return;
          if (!error) return finish(state, AttemptResult::Outcome::held, "connected");
          finish(state, AttemptResult::Outcome::failed, error_text(error, timeout));
        });
  }

 private:
  asio::io_context& io_;
  StatePtr state_;
};

}  // namespace

std::unique_ptr<ProbeAttempt> make_unix_attempt(const config::UnixProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context) {
  (void)target;
  return std::make_unique<UnixAttempt>(context.io, std::make_shared<State>(context.io, spec.path));
}

std::unique_ptr<Probe> make_unix_probe(const config::UnixProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  return make_polled_probe(make_unix_attempt(spec, target, context), interval, context,
                           std::move(events));
}

}  // namespace summon::runtime

// make_polled_probe(): a readiness probe that runs one attempt after another,
// next_attempt_delay() apart, until one holds.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "runtime/backoff.hpp"
#include "runtime/probe_attempt.hpp"

namespace summon::runtime {

namespace {

// On loopback an attempt is answered at once; the limit is for a remote
// host that drops packets (room for two SYN retransmissions), a server that
// hangs, and an exec command that does not end (SPEC 1.3: 5 s).
constexpr auto attempt_limit = std::chrono::seconds(5);

// Everything the attempt's and the timer's handlers touch: it lives until
// the last of them has run, which may be after the probe is gone.
struct State {
  State(boost::asio::io_context& io, std::unique_ptr<ProbeAttempt> attempt,
        config::Duration interval, ProbeEvents events)
      : attempt(std::move(attempt)), retry(io, interval), events(std::move(events)) {}

  std::unique_ptr<ProbeAttempt> attempt;
  Backoff retry;
  ProbeEvents events;
  std::string last;
  bool stopped = false;  // destroyed or reported: no handler may act
};

using StatePtr = std::shared_ptr<State>;

void attempt(const StatePtr& state) {
  state->attempt->run(attempt_limit, [state](AttemptResult result) {
    if (state->stopped) return;
    state->last = std::move(result.text);
    switch (result.outcome) {
      case AttemptResult::Outcome::held:
        state->stopped = true;
        if (state->events.ready) state->events.ready();
        return;
      case AttemptResult::Outcome::broken:
        state->stopped = true;
        if (state->events.failed) state->events.failed(state->last);
        return;
      case AttemptResult::Outcome::failed:
        state->retry.wait([state] {
          if (!state->stopped) attempt(state);
        });
        return;
    }
  });
}

class PolledProbe final : public Probe {
 public:
  explicit PolledProbe(StatePtr state) : state_(std::move(state)) {}
  ~PolledProbe() override {
    state_->stopped = true;
    state_->retry.cancel();
    // Ends the attempt under way; its handler, and this state, go with it.
    state_->attempt.reset();
  }
  PolledProbe(const PolledProbe&) = delete;
  PolledProbe& operator=(const PolledProbe&) = delete;

  // An attempt that can never run would fail every time: the service is not spawned.
  std::optional<std::string> prepare(SpawnRequest& request) override {
    (void)request;
    return state_->attempt->invalid();
  }

  void start() override {
    // prepare() refused it, so there is no service to watch.
    if (started_ || state_->attempt->invalid()) return;
    started_ = true;
    state_->retry.begin();
    attempt(state_);  // reports through the loop, never from here
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Probe> make_polled_probe(std::unique_ptr<ProbeAttempt> attempt,
                                         config::Duration interval, ProbeContext& context,
                                         ProbeEvents events) {
  return std::make_unique<PolledProbe>(
      std::make_shared<State>(context.io, std::move(attempt), interval, std::move(events)));
}

}  // namespace summon::runtime

// AliveCheck: one attempt, a wait of `interval` on one timer, the next
// attempt; failures counted in a row.
#include "runtime/alive_check.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/probe_attempt.hpp"

namespace summon::runtime {

namespace {

// The attempt of a probe that cannot be an alive check: it fails each time,
// saying why.
class RefusedAttempt final : public ProbeAttempt {
 public:
  RefusedAttempt(boost::asio::io_context& io, std::string why)
      : io_(io), why_(std::move(why)), alive_(std::make_shared<bool>(true)) {}
  ~RefusedAttempt() override { *alive_ = false; }
  RefusedAttempt(const RefusedAttempt&) = delete;
  RefusedAttempt& operator=(const RefusedAttempt&) = delete;

  std::optional<std::string> invalid() const override { return why_; }
  void run(config::Duration, Done done) override {
    boost::asio::post(io_, [alive = alive_, why = why_, done = std::move(done)] {
      if (*alive) done({AttemptResult::Outcome::failed, why});
    });
  }

 private:
  boost::asio::io_context& io_;
  std::string why_;
  std::shared_ptr<bool> alive_;
};

std::unique_ptr<ProbeAttempt> alive_attempt(const config::AliveSpec& spec,
                                            const ProbeTarget& target, ProbeContext& context) {
  auto attempt = make_attempt(spec.probe, target, context);
  if (!attempt)
    return std::make_unique<RefusedAttempt>(
        context.io, fmt::format("alive: a {} probe cannot be polled (tcp, http, exec or unix)",
                                config::probe_kind_name(spec.probe)));
  if (auto why = attempt->invalid())
    return std::make_unique<RefusedAttempt>(context.io, "alive: " + *why);
  return attempt;
}

}  // namespace

// Everything the attempt's and the timer's handlers touch: it lives until
// the last of them has run, which may be after the check is gone.
struct AliveCheckState {
  AliveCheckState(boost::asio::io_context& io, const config::AliveSpec& spec,
                  std::unique_ptr<ProbeAttempt> attempt, HealthEvents events)
      : attempt(std::move(attempt)),
        next(io),
        interval(spec.probe.interval),
        timeout(spec.probe.timeout),
        failures(std::max(spec.failures, 1)),
        events(std::move(events)) {}

  std::unique_ptr<ProbeAttempt> attempt;
  boost::asio::steady_timer next;  // the wait between two attempts
  config::Duration interval;
  config::Duration timeout;
  int failures;  // in a row, to be unhealthy
  HealthEvents events;
  std::string last;
  int in_a_row = 0;
  bool unhealthy = false;
  bool stopped = false;  // destroyed: no handler may act
};

namespace {

using StatePtr = std::shared_ptr<AliveCheckState>;

void attempt(const StatePtr& state);

// The wait is armed before anything is told, so that a listener that
// destroys the check finds it to cancel.
void judge(const StatePtr& state, AttemptResult result) {
  state->last = std::move(result.text);
  state->next.expires_after(state->interval);
  state->next.async_wait([state](const boost::system::error_code& error) {
    if (!error && !state->stopped) attempt(state);
  });
  if (result.held()) {
    state->in_a_row = 0;
    if (!state->unhealthy) return;
    state->unhealthy = false;
    if (state->events.healthy) state->events.healthy();
    return;
  }
  ++state->in_a_row;
  if (state->unhealthy || state->in_a_row < state->failures) return;
  state->unhealthy = true;
  if (state->events.unhealthy)
    state->events.unhealthy(fmt::format("{} ({} in a row)", state->last, state->in_a_row));
}

void attempt(const StatePtr& state) {
  state->attempt->run(state->timeout, [state](AttemptResult result) {
    if (!state->stopped) judge(state, std::move(result));
  });
}

}  // namespace

std::optional<std::string> AliveCheck::invalid(const config::AliveSpec& spec,
                                               const ProbeTarget& target, ProbeContext& context) {
  return alive_attempt(spec, target, context)->invalid();
}

AliveCheck::AliveCheck(const config::AliveSpec& spec, const ProbeTarget& target,
                       ProbeContext& context, HealthEvents events)
    : state_(std::make_shared<AliveCheckState>(
          context.io, spec, alive_attempt(spec, target, context), std::move(events))) {
  attempt(state_);  // reports through the loop, never from here
}

AliveCheck::~AliveCheck() {
  state_->stopped = true;
  state_->next.cancel();
  // Ends the attempt under way (an exec one's group is killed); its handler,
  // and the state, go with it.
  state_->attempt.reset();
}

std::string AliveCheck::last_result() const {
  return state_->last;
}

int AliveCheck::failures_in_a_row() const {
  return state_->in_a_row;
}

bool AliveCheck::unhealthy() const {
  return state_->unhealthy;
}

}  // namespace summon::runtime

// Watchdog: the time of the last WATCHDOG=1, and one timer that looks at it
// when the period could have run out.
#include "runtime/watchdog.hpp"

#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/duration.hpp"

namespace summon::runtime {

using Clock = std::chrono::steady_clock;

void add_watchdog_environment(SpawnRequest& request, config::Duration period) {
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(period).count();
  std::erase_if(request.environment,
                [](const auto& entry) { return entry.first == "WATCHDOG_USEC"; });
  request.environment.emplace_back("WATCHDOG_USEC", std::to_string(usec));
  request.pid_variable = "WATCHDOG_PID";
}

// What the timer's and the reports' handlers touch: it lives until the last
// of them has run, which may be after the watchdog is gone.
struct WatchdogState {
  WatchdogState(boost::asio::io_context& io, config::Duration period, HealthEvents events)
      : io(io), timer(io), period(period), events(std::move(events)) {}

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;  // armed while healthy, for the period's end
  config::Duration period;
  HealthEvents events;
  Clock::time_point last_ping;
  bool unhealthy = false;
  bool stopped = false;  // destroyed: no handler may act
};

namespace {

using StatePtr = std::shared_ptr<WatchdogState>;

// From a fresh turn of the loop: ping() and trigger() are called from the
// notify probe's handlers, and the listener may destroy the watchdog.
void tell(const StatePtr& state, bool unhealthy, std::string why = {}) {
  boost::asio::post(state->io, [state, unhealthy, why = std::move(why)] {
    if (state->stopped) return;
    if (unhealthy && state->events.unhealthy) state->events.unhealthy(why);
    if (!unhealthy && state->events.healthy) state->events.healthy();
  });
}

// Pings only move last_ping: the timer, set for the end of the period as it
// stood when it was armed, looks then, and waits on if a ping came since.
void arm(const StatePtr& state, Clock::time_point at) {
  state->timer.expires_at(at);
  state->timer.async_wait([state](const boost::system::error_code& error) {
    if (error || state->stopped || state->unhealthy) return;
    const auto due = state->last_ping + state->period;
    if (Clock::now() < due) return arm(state, due);
    state->unhealthy = true;
    tell(state, true, "no WATCHDOG=1 for " + config::format_duration(state->period));
  });
}

}  // namespace

Watchdog::Watchdog(boost::asio::io_context& io, config::Duration period, HealthEvents events)
    : state_(std::make_shared<WatchdogState>(io, period, std::move(events))) {
  state_->last_ping = Clock::now();
  arm(state_, state_->last_ping + period);
}

Watchdog::~Watchdog() {
  state_->stopped = true;
  state_->timer.cancel();
}

void Watchdog::ping() {
  state_->last_ping = Clock::now();
  if (!state_->unhealthy) return;
  state_->unhealthy = false;
  arm(state_, state_->last_ping + state_->period);
  tell(state_, false);
}

void Watchdog::trigger() {
  if (state_->unhealthy) return;
  state_->unhealthy = true;
  state_->timer.cancel();
  tell(state_, true, "sent WATCHDOG=trigger");
}

bool Watchdog::unhealthy() const {
  return state_->unhealthy;
}

}  // namespace summon::runtime

// next_attempt_delay() and the Backoff timer built on it.
#include "runtime/backoff.hpp"

#include <algorithm>
#include <utility>

namespace summon::runtime {

using Clock = std::chrono::steady_clock;

Clock::duration next_attempt_delay(Clock::duration since_start, Clock::duration interval) {
  constexpr Clock::duration floor = std::chrono::milliseconds(1);
  // min before max: an interval under 1 ms must not make the probe spin.
  return std::max(std::min(since_start / 50, interval), floor);
}

Backoff::Backoff(boost::asio::io_context& io, Clock::duration interval)
    : timer_(io), interval_(interval), began_(Clock::now()) {}

void Backoff::begin() {
  began_ = Clock::now();
}

void Backoff::wait(std::function<void()> again) {
  timer_.expires_after(next_attempt_delay(Clock::now() - began_, interval_));
  timer_.async_wait([again = std::move(again)](const boost::system::error_code& error) {
    if (!error) again();
  });
}

void Backoff::cancel() {
  timer_.cancel();
}

}  // namespace summon::runtime

// How soon a polled probe tries again, and the timer that waits that long.
#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace summon::runtime {

/// The wait before the next attempt, given the time since the probe began:
/// 1 ms at first, then a fiftieth of the time spent so far, never more than
/// `interval`. A service that is ready after t is seen within about t/50
/// (and within `interval`): 1 ms late at 50 ms, 4 ms at 200 ms. The cost is
/// some 50 attempts in the first 100 ms, and about 120 more per tenfold
/// wait after that (a connect to a loopback port costs microseconds).
std::chrono::steady_clock::duration next_attempt_delay(
    std::chrono::steady_clock::duration since_start, std::chrono::steady_clock::duration interval);

/// The wait between a probe's attempts: next_attempt_delay() measured from the
/// last begin().
class Backoff {
 public:
  Backoff(boost::asio::io_context& io, std::chrono::steady_clock::duration interval);

  /// Starts the clock again: the next waits are short.
  void begin();
  /// Calls `again` from the loop after the next delay, unless cancel() comes
  /// first. One wait at a time.
  void wait(std::function<void()> again);
  void cancel();

 private:
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point began_;
};

}  // namespace summon::runtime

// next_attempt_delay(): how soon a polled probe tries again.
#include "runtime/backoff.hpp"

#include <doctest/doctest.h>

#include <chrono>

using summon::runtime::next_attempt_delay;
using namespace std::chrono_literals;

TEST_CASE("the first retry comes after 1 ms") {
  CHECK(next_attempt_delay(0ms, 100ms) == 1ms);
}

TEST_CASE("the delay grows as a fiftieth of the time spent so far") {
  CHECK(next_attempt_delay(100ms, 100ms) == 2ms);
  CHECK(next_attempt_delay(200ms, 100ms) == 4ms);
  CHECK(next_attempt_delay(1s, 100ms) == 20ms);
  CHECK(next_attempt_delay(10s, 1s) == 200ms);
}

TEST_CASE("the delay never passes the interval") {
  CHECK(next_attempt_delay(5s, 100ms) == 100ms);
  CHECK(next_attempt_delay(1h, 100ms) == 100ms);
  CHECK(next_attempt_delay(20s, 250ms) == 250ms);
}

TEST_CASE("the delay is never under 1 ms") {
  CHECK(next_attempt_delay(10ms, 100ms) == 1ms);
  CHECK(next_attempt_delay(49ms, 100ms) == 1ms);
  CHECK(next_attempt_delay(1s, 0ms) == 1ms);
  CHECK(next_attempt_delay(1s, 100us) == 1ms);
}

TEST_CASE("the delay never shrinks as time goes on") {
  auto previous = next_attempt_delay(0ms, 100ms);
  for (auto since = 0ms; since < 5s; since += 7ms) {
    const auto delay = next_attempt_delay(since, 100ms);
    CHECK(delay >= previous);
    previous = delay;
  }
}

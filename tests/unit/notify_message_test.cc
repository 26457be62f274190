#include "runtime/notify_message.hpp"

#include <doctest/doctest.h>

#include <string>

using summon::runtime::parse_notify_message;

TEST_CASE("READY=1 alone makes a message that says ready") {
  const auto message = parse_notify_message("READY=1");
  REQUIRE(message);
  CHECK(message->ready);
  CHECK(message->statuses.empty());
}

TEST_CASE("assignments are separated by newlines, statuses kept in order") {
  const auto message = parse_notify_message("STATUS=loading\nREADY=1\nSTATUS=serving\n");
  REQUIRE(message);
  CHECK(message->ready);
  CHECK(message->statuses == std::vector<std::string>{"loading", "serving"});
}

TEST_CASE("READY counts only as exactly READY=1") {
  for (const char* datagram : {"READY=11", "READY=", "READY=0", " READY=1", "READY=1 ", "ready=1"})
    CHECK_FALSE(parse_notify_message(datagram)->ready);
}

TEST_CASE("an empty STATUS= is kept as empty, for the caller to skip") {
  CHECK(parse_notify_message("STATUS=")->statuses == std::vector<std::string>{""});
}

TEST_CASE("STOPPING and the watchdog messages are read") {
  const auto message = parse_notify_message("STOPPING=1\nWATCHDOG=1");
  CHECK(message->stopping);
  CHECK(message->watchdog);
  CHECK_FALSE(message->watchdog_trigger);
  CHECK(parse_notify_message("WATCHDOG=trigger")->watchdog_trigger);
}

TEST_CASE("numbers are taken only when every byte is a digit and they fit") {
  CHECK(parse_notify_message("ERRNO=2")->errno_value == 2);
  CHECK(parse_notify_message("EXTEND_TIMEOUT_USEC=5000000")->extend_timeout ==
        std::chrono::seconds(5));
  for (const char* datagram : {"ERRNO=-1", "ERRNO=+2", "ERRNO= 2", "ERRNO=2x", "ERRNO=4096",
                               "ERRNO=99999999999999999999", "ERRNO="})
    CHECK_FALSE(parse_notify_message(datagram)->errno_value);
  CHECK_FALSE(
      parse_notify_message("EXTEND_TIMEOUT_USEC=18446744073709551616")->extend_timeout);
  CHECK_FALSE(parse_notify_message("EXTEND_TIMEOUT_USEC=9223372036854775807")->extend_timeout);
}

TEST_CASE("a datagram with a NUL byte is no message at all") {
  CHECK_FALSE(parse_notify_message(std::string("READY=1\0STATUS=x", 16)));
  CHECK_FALSE(parse_notify_message(std::string("\0", 1)));
}

TEST_CASE("unknown assignments and blank lines are ignored") {
  const auto message = parse_notify_message("\n\nMAINPID=42\nFDSTORE=1\n\nREADY=1\n");
  REQUIRE(message);
  CHECK(message->ready);
  CHECK(message->statuses.empty());
}

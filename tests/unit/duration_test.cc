#include "config/duration.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace std::chrono_literals;
using summon::config::Duration;
using summon::config::format_duration;
using summon::config::parse_duration;

namespace {

std::optional<Duration> ms(std::int64_t n) {
  return Duration(n);
}

}  // namespace

TEST_CASE("a bare number is seconds") {
  CHECK(parse_duration("30") == ms(30'000));
  CHECK(parse_duration("0.5") == ms(500));
  CHECK(parse_duration("0") == ms(0));
}

TEST_CASE("units are ms, s, m and h") {
  CHECK(parse_duration("250ms") == ms(250));
  CHECK(parse_duration("1.5s") == ms(1500));
  CHECK(parse_duration("2m") == ms(120'000));
  CHECK(parse_duration("1h") == ms(3'600'000));
}

TEST_CASE("fractions work with every unit") {
  CHECK(parse_duration("0.25m") == ms(15'000));
  CHECK(parse_duration("1.5h") == ms(5'400'000));
  CHECK(parse_duration("2.5ms") == ms(3));
}

TEST_CASE("a fraction may omit the digits on one side of the point") {
  CHECK(parse_duration(".5") == ms(500));
  CHECK(parse_duration("5.") == ms(5000));
  CHECK(parse_duration(".5s") == ms(500));
}

TEST_CASE("leading zeros are allowed") {
  CHECK(parse_duration("007s") == ms(7000));
  CHECK(parse_duration("00000000000000000001s") == ms(1000));
}

TEST_CASE("sub-millisecond values round to the nearest millisecond, halves up") {
  CHECK(parse_duration("0.4ms") == ms(0));
  CHECK(parse_duration("0.5ms") == ms(1));
  CHECK(parse_duration("0.0004") == ms(0));
  CHECK(parse_duration("0.0005s") == ms(1));
  CHECK(parse_duration("1.0015s") == ms(1002));
}

TEST_CASE("rounding is exact however many digits the fraction has") {
  // 0.0000001388889h is 0.50000004ms: the ninth digit decides.
  CHECK(parse_duration("0.0000001388889h") == ms(1));
  CHECK(parse_duration("0.0000001388888h") == ms(0));
  CHECK(parse_duration("0.49999999999999999999999999ms") == ms(0));
  CHECK(parse_duration("1." + std::string(10'000, '9') + "s") == ms(2000));
}

TEST_CASE("up to 24 hours is accepted") {
  CHECK(parse_duration("24h") == ms(86'400'000));
  CHECK(parse_duration("1440m") == ms(86'400'000));
  CHECK(parse_duration("86400") == ms(86'400'000));
  CHECK(parse_duration("86400000ms") == ms(86'400'000));
  CHECK(parse_duration("24.000h") == ms(86'400'000));
}

TEST_CASE("more than 24 hours is rejected, even by a fraction of a millisecond") {
  CHECK_FALSE(parse_duration("25h"));
  CHECK_FALSE(parse_duration("86401"));
  CHECK_FALSE(parse_duration("86400001ms"));
  CHECK_FALSE(parse_duration("86400000.1ms"));
  CHECK_FALSE(parse_duration("99999999999999999999999h"));
}

TEST_CASE("empty text and white space are rejected") {
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration(" "));
  CHECK_FALSE(parse_duration(" 1s"));
  CHECK_FALSE(parse_duration("1s "));
  CHECK_FALSE(parse_duration("1 s"));
}

TEST_CASE("signs are rejected") {
  CHECK_FALSE(parse_duration("-1"));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("+1s"));
}

TEST_CASE("unknown units are rejected") {
  CHECK_FALSE(parse_duration("1d"));
  CHECK_FALSE(parse_duration("1us"));
  CHECK_FALSE(parse_duration("1S"));
  CHECK_FALSE(parse_duration("1sec"));
  CHECK_FALSE(parse_duration("1ms2"));
}

TEST_CASE("a unit without a number is rejected") {
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("ms"));
  CHECK_FALSE(parse_duration("."));
  CHECK_FALSE(parse_duration(".s"));
}

TEST_CASE("malformed numbers are rejected") {
  CHECK_FALSE(parse_duration("1.2.3s"));
  CHECK_FALSE(parse_duration("1..2"));
  CHECK_FALSE(parse_duration("1e3"));
  CHECK_FALSE(parse_duration("0x10"));
  CHECK_FALSE(parse_duration("1h30m"));
  CHECK_FALSE(parse_duration("1,5s"));
}

TEST_CASE("infinity and not-a-number are rejected") {
  CHECK_FALSE(parse_duration("inf"));
  CHECK_FALSE(parse_duration(".inf"));
  CHECK_FALSE(parse_duration("nan"));
  CHECK_FALSE(parse_duration(".nan"));
  CHECK_FALSE(parse_duration("NaN"));
}

TEST_CASE("format uses the largest unit that holds the value in whole units") {
  CHECK(format_duration(2h) == "2h");
  CHECK(format_duration(90min) == "90m");
  CHECK(format_duration(30s) == "30s");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(24h) == "24h");
}

TEST_CASE("format shows seconds with decimals from one second on") {
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(1250ms) == "1.25s");
  CHECK(format_duration(61'001ms) == "61.001s");
}

TEST_CASE("format shows milliseconds below one second") {
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(1ms) == "1ms");
  CHECK(format_duration(999ms) == "999ms");
}

TEST_CASE("format shows zero as 0s") {
  CHECK(format_duration(0ms) == "0s");
}

TEST_CASE("format reads back through parse") {
  auto round_trips = [](std::int64_t n) {
    return parse_duration(format_duration(Duration(n))) == ms(n);
  };
  bool all = true;
  for (std::int64_t n = 0; n <= 200'000 && all; ++n) all = round_trips(n);
  for (std::int64_t n = 0; n <= 86'400'000 && all; n += 997) all = round_trips(n);
  for (std::int64_t n : {3'599'999, 3'600'001, 86'399'999, 86'400'000}) all = all && round_trips(n);
  CHECK(all);
}

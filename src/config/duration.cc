#include "config/duration.hpp"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace summon::config {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Milliseconds per unit; 0 for an unknown unit.
std::int64_t unit_ms(std::string_view unit) {
  if (unit.empty() || unit == "s") return 1000;
  if (unit == "ms") return 1;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  return 0;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
  }
  if (whole.empty() && fraction.empty()) return std::nullopt;
  std::int64_t unit = unit_ms(text.substr(i));
  if (unit == 0) return std::nullopt;

  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  if (whole.size() > 9) return std::nullopt;  // far above 24h in any unit; keeps int64 safe
  std::int64_t ms = 0;
  for (char c : whole) ms = ms * 10 + (c - '0');
  ms *= unit;

  // Multiply the fraction's digits by the unit in decimal, right to left, so
  // that any number of digits is exact: what carries out of the leftmost digit
  // is whole milliseconds, and the digits left behind are the sub-millisecond rest.
  std::vector<std::int64_t> rest(fraction.size());
  std::int64_t carry = 0;
  for (std::size_t k = fraction.size(); k-- > 0;) {
    std::int64_t v = (fraction[k] - '0') * unit + carry;
    rest[k] = v % 10;
    carry = v / 10;
  }
  ms += carry;
  bool has_rest = false;
  for (auto d : rest) has_rest = has_rest || d != 0;

  const std::int64_t max = max_duration.count();
  if (ms > max || (ms == max && has_rest)) return std::nullopt;
  if (!rest.empty() && rest.front() >= 5) ++ms;
  return Duration(ms);
}

std::string format_duration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms < 0) return "-" + format_duration(Duration(-ms));
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  if (ms < 1000) return fmt::format("{}ms", ms);
  std::string decimals = fmt::format("{:03}", ms % 1000);
  while (decimals.back() == '0') decimals.pop_back();
  return fmt::format("{}.{}s", ms / 1000, decimals);
}

}  // namespace summon::config

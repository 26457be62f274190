#include "runtime/notify_message.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace summon::runtime {

namespace {

// The whole of `text` as a decimal number, or nullopt (no sign, no spaces).
template <typename Number>
std::optional<Number> whole_number(std::string_view text) {
  Number value{};
  const char* end = text.data() + text.size();
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// `assignment` without its `key`, if it starts with it.
std::optional<std::string_view> value_of(std::string_view assignment, std::string_view key) {
  if (!assignment.starts_with(key)) return std::nullopt;
  return assignment.substr(key.size());
}

void apply(NotifyMessage& message, std::string_view assignment) {
  if (assignment == "READY=1") {
    message.ready = true;
  } else if (assignment == "STOPPING=1") {
    message.stopping = true;
  } else if (assignment == "WATCHDOG=1") {
    message.watchdog = true;
  } else if (assignment == "WATCHDOG=trigger") {
    message.watchdog_trigger = true;
  } else if (auto status = value_of(assignment, "STATUS=")) {
    message.statuses.emplace_back(*status);
  } else if (auto text = value_of(assignment, "ERRNO=")) {
    // errno values are small; anything larger is not one.
    if (auto value = whole_number<int>(*text); value && *value <= 4095) message.errno_value = value;
  } else if (auto text = value_of(assignment, "EXTEND_TIMEOUT_USEC=")) {
    // Kept within what a microseconds count holds without overflow downstream.
    constexpr std::uint64_t limit = std::uint64_t{1} << 62;
    if (auto value = whole_number<std::uint64_t>(*text); value && *value <= limit)
      message.extend_timeout = std::chrono::microseconds(static_cast<std::int64_t>(*value));
  }
}

}  // namespace

std::optional<NotifyMessage> parse_notify_message(std::string_view datagram) {
  if (datagram.find('\0') != std::string_view::npos) return std::nullopt;
  NotifyMessage message;
  while (!datagram.empty()) {
    const std::size_t end = std::min(datagram.find('\n'), datagram.size());
    apply(message, datagram.substr(0, end));
    datagram.remove_prefix(std::min(end + 1, datagram.size()));
  }
  return message;
}

std::string errno_note(int error) {
  // strerror_r's GNU form: thread-safe, and "Unknown error N" for the rest.
  char buffer[128];
  const char* text = ::strerror_r(error, buffer, sizeof buffer);
  return "ERRNO=" + std::to_string(error) + ": " + text;
}

}  // namespace summon::runtime

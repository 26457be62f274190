// The control protocol (docs/protocol.md; schemas/control-request.schema.json
// and schemas/control-reply.schema.json): newline-delimited JSON over a
// project's control socket, one request per connection, then its replies.
// The request comes from anyone who can reach the socket, so reading it is
// total: whatever the bytes, a Request or a message, never an exception.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace summon::control {

/// A request line longer than this (its newline not counted) is refused.
inline constexpr std::size_t max_message = 64 * 1024;

/// The largest "since" and "timeout", in seconds (about 31 years): any
/// value allowed fits a std::chrono::nanoseconds.
inline constexpr double max_seconds = 1e9;

/// The shortest "every": a thousand batches a second.
inline constexpr double min_every_seconds = 0.001;

enum class Command { info, ps, logs, attach, stop, start, restart, down, timeline };

struct Request {
  Command command = Command::info;
  std::vector<std::string> services;      // "services": ["db","api"] (stop, start, restart: 1+)
  std::optional<long> lines;              // logs: "lines": N >= 0 (last N per service)
  std::optional<double> since_seconds;    // logs: "since": seconds >= 0
  bool follow = false;                    // logs, ps: "follow": true
  std::optional<double> timeout_seconds;  // down: "timeout": seconds > 0
  std::optional<double> every_seconds;    // logs -f: "every": at most one batch per this

  bool operator==(const Request&) const = default;
};

/// Parses one request line, `{"command":"ps", ...}`, with or without its
/// final "\n". Any problem is a message for error_reply(): not JSON, not an
/// object, no or an unknown "command", a field the command does not take or
/// that nobody knows, a field given twice, a value of the wrong type or out
/// of range, a nested value where none belongs, a NUL byte, a line break
/// inside, or a line longer than max_message.
std::variant<Request, std::string> parse_request(std::string_view line);

/// "info", "ps", ... as a request spells it.
std::string_view command_name(Command command);

/// The line a client sends for `request`: parse_request() of it gives the
/// request back. Fields are written only when set ("follow" only when true).
std::string request_line(const Request& request);

/// `{"ok":false,"error":MESSAGE}` and "\n".
std::string error_reply(std::string_view message);

/// `{"ok":true, ...}` and "\n": "ok" first, then the members of `body` (an
/// object; null for none), but for an "ok" among them.
std::string ok_reply(const nlohmann::json& body = {});

/// Any value as one line of the protocol (`{"line":...}`, `{"dropped":N}`):
/// compact JSON and "\n". Bytes that are not UTF-8 (a service may print
/// anything) become U+FFFD instead of an exception.
std::string json_line(const nlohmann::json& value);

/// A time as the protocol writes it: RFC 3339, UTC, with milliseconds,
/// "2026-12-02T02:30:00.123Z".
std::string rfc3339(std::chrono::system_clock::time_point at);

}  // namespace summon::control

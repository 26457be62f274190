// One sd_notify datagram (systemd's protocol), as any process that can reach
// a service's NOTIFY_SOCKET may send it: the bytes are untrusted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace summon::runtime {

/// What one datagram says. Assignments summon does not know are ignored, as
/// systemd ignores them.
struct NotifyMessage {
  bool ready = false;             // READY=1
  bool stopping = false;          // STOPPING=1
  bool watchdog = false;          // WATCHDOG=1: the service is alive
  bool watchdog_trigger = false;  // WATCHDOG=trigger: treat as hung at once
  std::vector<std::string> statuses;  // each STATUS=, in order; may be empty
  std::optional<int> errno_value;     // ERRNO=N, 0 <= N <= 4095
  std::optional<std::chrono::microseconds> extend_timeout;  // EXTEND_TIMEOUT_USEC=N
};

/// Largest datagram summon reads; systemd itself takes at most a page more.
inline constexpr std::size_t max_notify_message = 8 * 1024;

/// Parses a datagram: newline-separated `KEY=VALUE` assignments, each taken
/// whole (`READY=1` only as exactly that; a number only when every byte is a
/// digit and it fits). A datagram holding a NUL byte is not a notify message
/// (systemd refuses those too): returns nullopt.
std::optional<NotifyMessage> parse_notify_message(std::string_view datagram);

/// What ERRNO=N says, for the note of the service's exit
/// (engine::ExitStatus::note): "ERRNO=98: Address already in use".
std::string errno_note(int error);

}  // namespace summon::runtime

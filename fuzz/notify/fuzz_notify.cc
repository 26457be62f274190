// Fuzz target: any bytes as one sd_notify datagram. Any process that can reach
// a service's NOTIFY_SOCKET can send one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/notify_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace summon::runtime;
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);
  const auto message = parse_notify_message(datagram);

  // A NUL byte makes it no message; otherwise what it says is what it holds.
  const bool has_nul = datagram.find('\0') != std::string_view::npos;
  if (message.has_value() == has_nul) std::abort();
  if (!message) return 0;
  const bool has_ready = datagram == "READY=1" || datagram.starts_with("READY=1\n") ||
                         datagram.find("\nREADY=1\n") != std::string_view::npos ||
                         datagram.ends_with("\nREADY=1");
  if (message->ready != has_ready) std::abort();
  std::size_t status_bytes = 0;
  for (const auto& status : message->statuses) {
    if (status.find('\n') != std::string::npos) std::abort();
    status_bytes += status.size();
  }
  if (status_bytes > datagram.size()) std::abort();
  if (message->errno_value && (*message->errno_value < 0 || *message->errno_value > 4095))
    std::abort();
  if (message->extend_timeout && message->extend_timeout->count() < 0) std::abort();
  return 0;
}

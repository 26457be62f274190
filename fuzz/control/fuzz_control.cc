// Fuzz target: any bytes as one control request line. Any process of the
// user (or root) that reaches a project's control socket can send one, and a
// peer that is refused may still have written it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "control/protocol.hpp"

namespace {

using namespace summon::control;

// A reply is one JSON object on one line.
void check_reply(const std::string& reply, bool ok) {
  if (reply.empty() || reply.back() != '\n' || reply.find('\n') != reply.size() - 1) std::abort();
  const auto document = nlohmann::json::parse(reply, nullptr, false);
  if (!document.is_object() || document.value("ok", !ok) != ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_request(line);  // an exception escaping is a finding

  if (const auto* message = std::get_if<std::string>(&parsed)) {
    if (message->empty()) std::abort();
    check_reply(error_reply(*message), false);
    return 0;
  }
  const Request& request = std::get<Request>(parsed);
  // What was accepted holds what the protocol allows, and only that.
  const std::size_t body = line.ends_with('\n') ? size - 1 : size;
  if (body > max_message ||
      line.substr(0, body).find_first_of(std::string_view("\0\n", 2)) != std::string_view::npos)
    std::abort();
  for (const auto& name : request.services)
    if (name.empty() || name.find('\0') != std::string::npos) std::abort();
  if (request.lines && *request.lines < 0) std::abort();
  if (request.since_seconds &&
      !(*request.since_seconds >= 0 && *request.since_seconds <= max_seconds))
    std::abort();
  if (request.timeout_seconds &&
      !(*request.timeout_seconds > 0 && *request.timeout_seconds <= max_seconds))
    std::abort();
  const bool for_logs = request.lines || request.since_seconds || request.every_seconds;
  if (for_logs && request.command != Command::logs) std::abort();
  if (request.follow && request.command != Command::logs && request.command != Command::ps)
    std::abort();
  if (request.every_seconds && (!request.follow || *request.every_seconds < min_every_seconds))
    std::abort();
  if (request.timeout_seconds && request.command != Command::down) std::abort();
  const bool named = request.command == Command::stop || request.command == Command::start ||
                     request.command == Command::restart;
  if (named && request.services.empty()) std::abort();

  // What a client would send for it reads back as the same request.
  const std::string again = request_line(request);
  const auto reparsed = parse_request(again);
  if (!std::holds_alternative<Request>(reparsed) || std::get<Request>(reparsed) != request)
    std::abort();
  check_reply(ok_reply({{"command", command_name(request.command)}}), true);
  return 0;
}

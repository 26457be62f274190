#include "engine/failure.hpp"

#include <fmt/format.h>

#include "config/duration.hpp"

namespace summon::engine {

std::string cannot_start(std::string_view why) {
  return fmt::format("cannot start: {}", why);
}

std::string exited_before_ready(const ExitStatus& status) {
  return describe(status) + " before it was ready";
}

std::string not_ready_after(config::Duration timeout, std::string_view last_seen) {
  std::string text = "not ready after " + config::format_duration(timeout);
  if (!last_seen.empty()) text += fmt::format(": {}", last_seen);
  return text;
}

std::string unhealthy(std::string_view why) {
  return fmt::format("unhealthy: {}", why);
}

std::string gave_up_after(std::string_view reason, int restarts) {
  return fmt::format("{}; gave up after {} restart{}", reason, restarts, restarts == 1 ? "" : "s");
}

std::string restarts_tried(std::string_view reason, int restarts) {
  return fmt::format("{}; {} restart{} tried", reason, restarts, restarts == 1 ? "" : "s");
}

std::string did_not_complete(const ExitStatus& status, const std::vector<std::string>& needed_by) {
  return fmt::format("{} instead of completing (needed by {})", describe(status),
                     fmt::join(needed_by, ", "));
}

}  // namespace summon::engine

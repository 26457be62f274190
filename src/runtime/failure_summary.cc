#include "runtime/failure_summary.hpp"

#include <fmt/format.h>

namespace summon::runtime {

std::string failure_summary(std::string_view message, std::string_view service,
                            const std::deque<std::string>& tail, const AppendLine& append_line) {
  std::string text = fmt::format("summon: error: {}\n", message);
  if (tail.empty()) return text;
  text += fmt::format("last {} line{} of {}:\n", tail.size(), tail.size() == 1 ? "" : "s", service);
  for (const auto& line : tail) {
    text.append("  ").append(service).append(" | ");
    if (append_line)
      append_line(text, line);
    else
      text += line;
    text += '\n';
  }
  return text;
}

}  // namespace summon::runtime

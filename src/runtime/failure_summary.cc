#include "runtime/failure_summary.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

namespace summon::runtime {

namespace {

// Such a probe ignores half of the output: the summary shows which half a line is.
bool reads_one_stream(const config::Probe& probe) {
  if (const auto* log = std::get_if<config::LogProbe>(&probe.kind))
    return log->stream != config::LogStream::both;
  if (const auto* all = std::get_if<config::AllProbe>(&probe.kind))
    return std::ranges::any_of(all->probes, reads_one_stream);
  return false;
}

}  // namespace

std::string failure_summary(std::string_view message, const config::ServiceSpec& service,
                            const std::deque<OutputLine>& tail, const AppendLine& append_line) {
  std::string text = fmt::format("summon: error: {}\n", message);
  if (tail.empty()) return text;
  const bool mark = service.ready && reads_one_stream(*service.ready);
  text += fmt::format("last {} line{} of {}:\n", tail.size(), tail.size() == 1 ? "" : "s",
                      service.name);
  for (const auto& line : tail) {
    text.append("  ").append(service.name);
    if (mark) text.append(" ").append(stream_name(line.stream));
    text.append(" | ");
    if (append_line)
      append_line(text, line.text);
    else
      text += line.text;
    text += '\n';
  }
  return text;
}

}  // namespace summon::runtime

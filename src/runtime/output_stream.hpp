// Which of a service's output pipes a line came from.
#pragma once

#include <string>
#include <string_view>

namespace summon::runtime {

enum class Stream { out, err };

/// "stdout" or "stderr".
constexpr std::string_view stream_name(Stream stream) {
  return stream == Stream::out ? "stdout" : "stderr";
}

/// A line of a service's output with the pipe it came from, as kept for its
/// failure summary.
struct OutputLine {
  Stream stream = Stream::out;
  std::string text;
};

}  // namespace summon::runtime

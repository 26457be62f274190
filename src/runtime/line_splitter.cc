#include "runtime/line_splitter.hpp"

namespace summon::runtime {

namespace {

constexpr std::size_t max_line = LineSplitter::max_line;

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// How many bytes a UTF-8 sequence with this lead byte claims; 0 if it is not a
// multi-byte lead.
std::size_t sequence_length(unsigned char lead) {
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

// Where to end the next piece of `text`, which is longer than max_line. We back
// up only onto a lead byte whose sequence really spans the cut: on invalid
// UTF-8 there is no character to keep whole, and backing up further than 3
// bytes could never be right.
std::size_t cut_point(std::string_view text) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if (!is_continuation(at(max_line))) return max_line;
  for (std::size_t back = 1; back <= 3; ++back) {
    const std::size_t lead = max_line - back;
    if (is_continuation(at(lead))) continue;
    return lead + sequence_length(at(lead)) > max_line ? lead : max_line;
  }
  return max_line;
}

// While a line is still open we cannot tell a final "\r" (dropped once the
// "\n" comes) from content, so a trailing lone "\r" past max_line does not
// force a cut yet; the line would then be exactly max_line long.
bool must_cut_open(std::string_view rest) {
  return rest.size() > max_line + 1 || (rest.size() == max_line + 1 && rest.back() != '\r');
}

void put(const LineSplitter::Emit& emit, std::string_view line) { emit(line); }
void put(std::vector<std::string_view>& lines, std::string_view line) { lines.push_back(line); }

// Emits the pieces of `line` that are certain; returns the bytes consumed. A
// complete line is consumed whole; an open one keeps its unsure tail.
template <typename Out>
std::size_t drain(std::string_view line, bool complete, Out& emit) {
  if (complete && !line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t used = 0;
  while (complete ? line.size() - used > max_line : must_cut_open(line.substr(used))) {
    const std::size_t cut = cut_point(line.substr(used));
    put(emit, line.substr(used, cut));
    used += cut;
  }
  if (!complete) return used;
  put(emit, line.substr(used));
  return line.size();
}

}  // namespace

void LineSplitter::feed(std::string_view chunk, const Emit& emit) { feed_to(chunk, emit); }
void LineSplitter::finish(const Emit& emit) { finish_to(emit); }
void LineSplitter::feed(std::string_view chunk, std::vector<std::string_view>& lines) {
  feed_to(chunk, lines);
}
void LineSplitter::finish(std::vector<std::string_view>& lines) { finish_to(lines); }

template <typename Out>
void LineSplitter::feed_to(std::string_view chunk, Out& emit) {
  // What the last call emitted from its own buffers may go now.
  joined_.clear();
  retired_.clear();
  while (!chunk.empty()) {
    const std::size_t newline = chunk.find('\n');
    const bool complete = newline != std::string_view::npos;
    const std::string_view segment = chunk.substr(0, newline);
    if (partial_.empty()) {
      // Common case: whole lines inside one chunk go out without a copy.
      const std::size_t used = drain(segment, complete, emit);
      if (!complete) partial_.assign(segment.begin() + used, segment.end());
    } else {
      // The buffer holds under max_line + 2 bytes before this append, and each
      // cut drops at least max_line - 3 of them, so the copying stays linear.
      partial_.insert(partial_.end(), segment.begin(), segment.end());
      const std::size_t used = drain({partial_.data(), partial_.size()}, complete, emit);
      if (complete) {
        // At most once per call: after it the open line is empty.
        joined_.swap(partial_);
        partial_.clear();
      } else if (used > 0) {
        retired_.push_back(std::move(partial_));
        const auto& emitted = retired_.back();
        partial_.assign(emitted.begin() + static_cast<std::ptrdiff_t>(used), emitted.end());
      }
    }
    chunk.remove_prefix(complete ? newline + 1 : chunk.size());
  }
}

template <typename Out>
void LineSplitter::finish_to(Out& emit) {
  joined_.clear();
  retired_.clear();
  if (partial_.empty()) return;
  drain({partial_.data(), partial_.size()}, true, emit);
  joined_.swap(partial_);
  partial_.clear();
}

}  // namespace summon::runtime

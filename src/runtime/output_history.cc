// OutputHistory: a ring of the last lines, and one log file for every start.
#include "runtime/output_history.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace summon::runtime {

std::string restart_marker(int restart, std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return fmt::format("--- summon: restart {} at {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z ---\n",
                     restart, utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                     utc.tm_min, utc.tm_sec);
}

void OutputHistory::keep(Stream stream, std::span<const std::string_view> lines) {
  // Only the last ones can end up in the tail. On the log pump's path a line
  // is copied into a string that keeps its capacity, not allocated anew.
  const std::size_t skipped = lines.size() > tail_.size() ? lines.size() - tail_.size() : 0;
  lines_seen_ += skipped;
  for (auto line : lines.subspan(skipped)) {
    auto& kept = tail_[lines_seen_++ % tail_.size()];
    kept.stream = stream;
    kept.text.assign(line);
  }
}

std::deque<OutputLine> OutputHistory::tail() const {
  std::deque<OutputLine> lines;
  const std::size_t kept = std::min(lines_seen_, tail_.size());
  for (std::size_t n = lines_seen_ - kept; n < lines_seen_; ++n)
    lines.push_back(tail_[n % tail_.size()]);
  return lines;
}

std::optional<std::string> OutputHistory::begin_start(const LogFolder* folder,
                                                      const std::string& file_name,
                                                      std::chrono::system_clock::time_point now) {
  const int before = starts_++;
  if (!folder) return std::nullopt;
  if (!log_) {
    std::string refused;
    log_ = folder->open_file(file_name, refused);
    if (!refused.empty()) return refused;
  }
  if (before == 0) return std::nullopt;
  std::string marker = restart_marker(before, now);
  if (last_byte_ != '\n') marker.insert(marker.begin(), '\n');
  return log(marker);
}

std::optional<std::string> OutputHistory::log(std::string_view bytes) {
  if (!log_ || bytes.empty()) return std::nullopt;
  last_byte_ = bytes.back();
  return log_->append(bytes);
}

}  // namespace summon::runtime

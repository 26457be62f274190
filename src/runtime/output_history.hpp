// What a service wrote, over all its starts in one run: the last lines, for
// a failure summary, and its `--log-dir` file, opened once and appended to,
// with a marker line where each restart's output begins (SPEC 2.2).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "runtime/log_file.hpp"
#include "runtime/output_stream.hpp"

namespace summon::runtime {

/// The line that marks restart `restart` (the starts before it in this run)
/// at `at` in a log file: "--- summon: restart 2 at 2026-12-01T23:04:05Z ---\n".
std::string restart_marker(int restart, std::chrono::system_clock::time_point at);

class OutputHistory {
 public:
  /// Lines kept for a failure summary.
  static constexpr std::size_t tail_lines = 20;

  /// Keeps the last of `lines`, from `stream`.
  void keep(Stream stream, std::span<const std::string_view> lines);
  /// The last lines kept (at most tail_lines), oldest first, over every start.
  std::deque<OutputLine> tail() const;

  /// A start has exec'd and its output begins. The first opens `file_name`
  /// in `folder` (if there is one) for appending; a later one writes
  /// restart_marker() to it, on a line of its own (after a newline, if the
  /// start before ended without one), numbered with the starts before.
  /// Returns the warning to show when the file is refused, once.
  std::optional<std::string> begin_start(const LogFolder* folder, const std::string& file_name,
                                         std::chrono::system_clock::time_point now);
  /// Appends `bytes`, as read, to the log file, if open; returns the warning
  /// to show when a write fails, once (LogFile::append).
  std::optional<std::string> log(std::string_view bytes);
  /// How many starts' output has begun.
  int starts() const { return starts_; }

 private:
  std::array<OutputLine, tail_lines> tail_;
  std::size_t lines_seen_ = 0;
  std::optional<LogFile> log_;  // opened at the first start; a closed one: refused or lost
  int starts_ = 0;
  char last_byte_ = '\n';  // the last byte logged in this run
};

}  // namespace summon::runtime

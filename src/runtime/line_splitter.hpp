// Cuts a process's raw output into lines for the log pump.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace summon::runtime {

/// Turns a stream of byte chunks, cut anywhere, into lines.
///
/// A line is emitted without its `\n` and without one `\r` just before it.
/// A line longer than `max_line` bytes is emitted as pieces of at most
/// `max_line` bytes; a piece ends before a UTF-8 sequence that would straddle
/// the cut (when the bytes there are valid UTF-8), so it may be up to 3 bytes
/// shorter. Bytes are otherwise passed through untouched: no decoding, no
/// validation. Work is linear in the bytes fed, whatever the chunk sizes, and
/// at most one partial line (under `max_line` + 2 bytes) is kept between calls.
class LineSplitter {
 public:
  static constexpr std::size_t max_line = 64 * 1024;

  /// Called once per line or piece. The view stays valid until the next
  /// feed() or finish() (or as long as the chunk it came from, if shorter), so
  /// a caller may collect a chunk's lines and handle them together. The
  /// callback must not call back into the same splitter.
  using Emit = std::function<void(std::string_view line)>;

  /// Emits every line (or piece of a long line) that `chunk` completes, in order.
  void feed(std::string_view chunk, const Emit& emit);

  /// End of stream: emits what is left of a last line that had no final
  /// newline (a trailing `\r` dropped, as for any line), then starts afresh.
  /// Emits nothing if the output ended with a newline.
  void finish(const Emit& emit);

  /// The same, appending each line to `lines`: no call per line, for the
  /// output pump's hot path.
  void feed(std::string_view chunk, std::vector<std::string_view>& lines);
  void finish(std::vector<std::string_view>& lines);

 private:
  template <typename Out>
  void feed_to(std::string_view chunk, Out& out);
  template <typename Out>
  void finish_to(Out& out);

  // The open line. Vectors, not strings: their bytes stay put when moved or
  // swapped (no small-string buffer), so emitted views stay valid.
  std::vector<char> partial_;
  // The line completed from partial_ in this call, kept until the next one.
  std::vector<char> joined_;
  // Buffers whose pieces were emitted while their line was still open.
  std::vector<std::vector<char>> retired_;
};

}  // namespace summon::runtime

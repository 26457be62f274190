// Reads one of a service's output pipes and cuts it into lines.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include <boost/asio/io_context.hpp>

namespace summon::runtime {

/// Reads a pipe in chunks of up to 64 KiB as data comes, and hands the lines
/// each chunk completes (LineSplitter's rules: long lines in pieces, a last
/// line without newline still given at the end) to `on_lines` together, so
/// that per-line work stays small under a flood of output, then gives
/// `on_chunk` the chunk's bytes exactly as read (empty at the end of the
/// stream): what a byte-exact copy takes, and a good moment to flush.
/// Never blocks; destruction closes the pipe and nothing is called after.
class OutputPump {
 public:
  /// The views are valid during the call only.
  using OnLines = std::function<void(std::span<const std::string_view> lines)>;
  using OnChunk = std::function<void(std::string_view bytes)>;

  /// Takes ownership of `fd`, the read end of the pipe.
  OutputPump(boost::asio::io_context& io, int fd, OnLines on_lines, OnChunk on_chunk);
  ~OutputPump();
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  /// Begins reading.
  void start();
  /// Reads, without waiting, whatever the pipe holds now: at the main
  /// process's exit, so that its last lines come before the exit is reported.
  void drain();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace summon::runtime

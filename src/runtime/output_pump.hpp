// Reads one of a service's output pipes and cuts it into lines.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>

namespace summon::runtime {

/// Reads a pipe in chunks of up to 64 KiB as data comes, and hands each line
/// (LineSplitter's rules: long lines in pieces, a last line without newline
/// still given at the end) to `on_line`, then calls `on_chunk` once per chunk
/// read, so that a listener can flush once per chunk rather than per line.
/// Never blocks; destruction closes the pipe and nothing is called after.
class OutputPump {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  /// Takes ownership of `fd`, the read end of the pipe.
  OutputPump(boost::asio::io_context& io, int fd, OnLine on_line, std::function<void()> on_chunk);
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

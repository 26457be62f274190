// OutputPump: async reads on the loop, plus a synchronous drain at exit.
#include "runtime/output_pump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "runtime/line_splitter.hpp"

namespace summon::runtime {

namespace {
constexpr std::size_t chunk_size = 64 * 1024;
}

struct OutputPump::State {
  State(boost::asio::io_context& io, int fd) : pipe(io, fd), buffer(chunk_size) {}

  boost::asio::posix::stream_descriptor pipe;
  std::vector<char> buffer;
  LineSplitter splitter;
  std::vector<std::string_view> lines;  // the current chunk's, reused
  OnLines on_lines;
  std::function<void()> on_chunk;
  bool ended = false;
  bool stopped = false;

  void take(std::string_view chunk) {
    lines.clear();
    splitter.feed(chunk, lines);
    hand_over();
  }
  void end() {
    if (ended) return;
    ended = true;
    lines.clear();
    splitter.finish(lines);
    hand_over();
  }
  void hand_over() {
    if (!lines.empty()) on_lines(lines);
    if (on_chunk) on_chunk();
  }
};

OutputPump::OutputPump(boost::asio::io_context& io, int fd, OnLines on_lines,
                       std::function<void()> on_chunk)
    : state_(std::make_shared<State>(io, fd)) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  state_->on_lines = std::move(on_lines);
  state_->on_chunk = std::move(on_chunk);
}

OutputPump::~OutputPump() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->pipe.close(ignored);
}

void OutputPump::start() {
  // A local type may name the private State: it reads, then reads again.
  struct Reader {
    static void next(std::shared_ptr<State> state) {
      if (state->stopped || state->ended) return;
      auto& buffer = state->buffer;
      state->pipe.async_read_some(
          boost::asio::buffer(buffer.data(), buffer.size()),
          [state](const boost::system::error_code& error, std::size_t got) {
            if (state->stopped) return;
            if (got > 0) state->take({state->buffer.data(), got});
            if (error) {
              if (error != boost::asio::error::operation_aborted) state->end();
              return;
            }
            next(state);
          });
    }
  };
  Reader::next(state_);
}

void OutputPump::drain() {
  State& state = *state_;
  if (state.stopped || state.ended) return;
  const int fd = state.pipe.native_handle();
  for (;;) {
    const ssize_t got = ::read(fd, state.buffer.data(), state.buffer.size());
    if (got > 0) {
      state.take({state.buffer.data(), static_cast<std::size_t>(got)});
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got == 0) state.end();
    return;  // empty for now (EAGAIN), or at its end
  }
}

}  // namespace summon::runtime

// OutputPump: reads when the loop says the pipe is readable, plus a
// synchronous drain at exit.
#include "runtime/output_pump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "runtime/line_splitter.hpp"

namespace summon::runtime {

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

// One read buffer per thread, shared by every pump on that thread's loop: a
// chunk is handed over before the next read, so a thousand services need not
// keep 128 KiB of buffers each.
std::vector<char>& read_buffer() {
  thread_local std::vector<char> buffer(chunk_size);
  return buffer;
}

enum class Read { full, partial, empty, ended };

}  // namespace

struct OutputPump::State {
  State(boost::asio::io_context& io, int fd) : pipe(io, fd) {}

  boost::asio::posix::stream_descriptor pipe;
  LineSplitter splitter;
  std::vector<std::string_view> lines;  // the current chunk's, reused
  OnLines on_lines;
  OnChunk on_chunk;
  bool ended = false;
  bool stopped = false;

  void take(std::string_view chunk) {
    lines.clear();
    splitter.feed(chunk, lines);
    hand_over(chunk);
  }
  void end() {
    if (ended) return;
    ended = true;
    lines.clear();
    splitter.finish(lines);
    hand_over({});
  }
  void hand_over(std::string_view bytes) {
    if (!lines.empty()) on_lines(lines);
    if (on_chunk) on_chunk(bytes);
  }
  // One read of up to a chunk, handed over.
  Read read_once() {
    auto& buffer = read_buffer();
    ssize_t got;
    do got = ::read(pipe.native_handle(), buffer.data(), buffer.size());
    while (got < 0 && errno == EINTR);
    if (got > 0) {
      take({buffer.data(), static_cast<std::size_t>(got)});
      // A pipe read comes back short only when the pipe is empty.
      return static_cast<std::size_t>(got) == buffer.size() ? Read::full : Read::partial;
    }
    if (got < 0 && errno == EAGAIN) return Read::empty;
    end();
    return Read::ended;
  }
};

OutputPump::OutputPump(boost::asio::io_context& io, int fd, OnLines on_lines, OnChunk on_chunk)
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
  // A local type may name the private State: it waits, reads, and waits again.
  struct Reader {
    static void wait(std::shared_ptr<State> state) {
      if (state->stopped || state->ended) return;
      state->pipe.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                             [state](const boost::system::error_code& error) {
                               if (state->stopped) return;
                               if (error) {
                                 if (error != boost::asio::error::operation_aborted) state->end();
                                 return;
                               }
                               read(state);
                             });
    }
    static void read(std::shared_ptr<State> state) {
      if (state->read_once() != Read::full) return wait(state);
      // More may be waiting: read again once the loop has served the others.
      boost::asio::post(state->pipe.get_executor(), [state] {
        if (!state->stopped && !state->ended) read(state);
      });
    }
  };
  Reader::wait(state_);
}

void OutputPump::drain() {
  State& state = *state_;
  if (state.stopped || state.ended) return;
  for (;;) {
    const Read result = state.read_once();
    if (result == Read::empty || result == Read::ended) return;
  }
}

}  // namespace summon::runtime

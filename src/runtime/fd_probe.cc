// The `fd` probe (s6's readiness protocol): the service gets the write end of
// a pipe at fd N and is ready once it writes a newline there.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// Everything a pending read touches; it outlives the probe until the read's
// handler has run.
struct Shared {
  Shared(boost::asio::io_context& io, int fd, ProbeEvents events)
      : fd(fd), events(std::move(events)), reader(io) {}

  int fd;  // the number the service sees
  ProbeEvents events;
  boost::asio::posix::stream_descriptor reader;
  std::array<char, 512> buffer{};
  std::size_t bytes_seen = 0;
  bool stopped = false;
};

void read_more(const std::shared_ptr<Shared>& shared) {
  shared->reader.async_read_some(
      boost::asio::buffer(shared->buffer),
      [shared](const boost::system::error_code& error, std::size_t size) {
        if (shared->stopped) return;
        if (!error) {
          const auto* begin = shared->buffer.data();
          if (std::find(begin, begin + size, '\n') == begin + size) {
            shared->bytes_seen += size;
            read_more(shared);
            return;
          }
          shared->reader.close();
          shared->events.ready();
          return;
        }
        shared->reader.close();
        if (error == boost::asio::error::eof) {
          shared->events.failed(fmt::format("closed fd {} without writing a newline", shared->fd));
        } else {
          shared->events.failed(fmt::format("fd {}: {}", shared->fd, error.message()));
        }
      });
}

class FdProbe final : public Probe {
 public:
  FdProbe(const config::FdProbe& spec, ProbeContext& context, ProbeEvents events)
      : shared_(std::make_shared<Shared>(context.io, spec.fd, std::move(events))) {}

  ~FdProbe() override {
    shared_->stopped = true;
    close_write_end();
    shared_->reader.close();
  }

  std::optional<std::string> prepare(SpawnRequest& request) override {
    if (shared_->reader.is_open()) return std::nullopt;  // prepared already
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
      return fmt::format("cannot make a pipe for fd {}: {}", shared_->fd, std::strerror(errno));
    shared_->reader.assign(ends[0]);
    write_end_ = ends[1];
    request.extra_fds.emplace_back(shared_->fd, write_end_);
    return std::nullopt;
  }

  void start() override {
    // Once only the service holds the write end, its exit shows as EOF.
    close_write_end();
    if (shared_->reader.is_open() && !started_) read_more(shared_);
    started_ = true;
  }

  std::string last_result() const override {
    if (shared_->bytes_seen == 0) return fmt::format("fd {}: nothing written yet", shared_->fd);
    return fmt::format("fd {}: {} bytes written, no newline yet", shared_->fd, shared_->bytes_seen);
  }

 private:
  void close_write_end() {
    if (write_end_ < 0) return;
    ::close(write_end_);
    write_end_ = -1;
  }

  std::shared_ptr<Shared> shared_;
  int write_end_ = -1;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Probe> make_fd_probe(const config::FdProbe& spec, const ProbeTarget& target,
                                     ProbeContext& context, ProbeEvents events) {
  (void)target;
  return std::make_unique<FdProbe>(spec, context, std::move(events));
}

}  // namespace summon::runtime

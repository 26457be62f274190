// The `file` probe: ready once the file exists and was created or changed
// after the service started, seen through inotify on its folder.
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "runtime/backoff.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

constexpr std::uint32_t watched_events = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY |
                                         IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

struct FileState {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  timespec mtime{};
  timespec ctime{};
  off_t size = 0;
};

FileState look_at(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {true, info.st_dev, info.st_ino, info.st_mtim, info.st_ctim, info.st_size};
}

bool same_time(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool changed(const FileState& before, const FileState& now) {
  return !before.exists || before.device != now.device || before.inode != now.inode ||
         !same_time(before.mtime, now.mtime) || !same_time(before.ctime, now.ctime) ||
         before.size != now.size;
}

// Everything the watch's handlers touch; it outlives the probe until they ran.
struct Shared {
  Shared(boost::asio::io_context& io, std::string path, Duration interval, ProbeEvents events)
      : io(io), path(std::move(path)), events(std::move(events)), inotify(io), retry(io, interval) {
    const std::size_t slash = this->path.rfind('/');
    if (slash == std::string::npos) {
      folder = ".";
      name = this->path;
    } else {
      folder = slash == 0 ? "/" : this->path.substr(0, slash);
      name = this->path.substr(slash + 1);
    }
  }

  boost::asio::io_context& io;
  std::string path;  // absolute
  std::string folder;
  std::string name;
  ProbeEvents events;
  FileState before;
  boost::asio::posix::stream_descriptor inotify;
  int watch = -1;
  Backoff retry;  // for a folder that does not exist yet
  alignas(inotify_event) std::array<char, 8 * 1024> buffer{};
  std::string last_result;
  bool reported = false;
  bool stopped = false;
};

// Closing an inotify instance waits for a kernel grace period (some 6 ms
// here), which would hold up every service behind this one: a thread of its
// own closes it, once the probe goes (at the service's stop or exit).
void close_off_loop(boost::asio::posix::stream_descriptor& inotify) {
  if (!inotify.is_open()) return;
  const int fd = inotify.release();  // cancels what waits on it, leaves the loop
  std::thread([fd] { ::close(fd); }).detach();
}

void report(const std::shared_ptr<Shared>& shared, std::function<void(Shared&)> deliver) {
  if (shared->reported) return;
  shared->reported = true;
  // Nothing more to watch for. The instance itself stays open until the probe
  // goes (see close_off_loop): a child started meanwhile inherits it until
  // its exec, and must not be the one left to close it.
  shared->retry.cancel();
  boost::system::error_code ignored;
  shared->inotify.cancel(ignored);
  if (shared->watch >= 0) ::inotify_rm_watch(shared->inotify.native_handle(), shared->watch);
  shared->watch = -1;
  boost::asio::post(shared->io, [shared, deliver = std::move(deliver)] {
    if (!shared->stopped) deliver(*shared);
  });
}

void check(const std::shared_ptr<Shared>& shared) {
  if (shared->reported) return;
  const FileState now = look_at(shared->path);
  if (!now.exists) {
    shared->last_result = fmt::format("file {}: does not exist yet", shared->path);
  } else if (!changed(shared->before, now)) {
    shared->last_result =
        fmt::format("file {}: not changed since the service started", shared->path);
  } else {
    shared->last_result.clear();
    report(shared, [](Shared& s) { s.events.ready(); });
  }
}

void add_watch(const std::shared_ptr<Shared>& shared);

void read_events(const std::shared_ptr<Shared>& shared) {
  shared->inotify.async_read_some(
      boost::asio::buffer(shared->buffer),
      [shared](const boost::system::error_code& error, std::size_t size) {
        if (shared->stopped || shared->reported) return;
        if (error) {
          report(shared, [why = fmt::format("file {}: cannot watch: {}", shared->path,
                                            error.message())](Shared& s) { s.events.failed(why); });
          return;
        }
        bool relevant = false;
        bool watch_lost = false;
        for (std::size_t at = 0; at + sizeof(inotify_event) <= size;) {
          inotify_event event;
          std::memcpy(&event, shared->buffer.data() + at, sizeof event);
          const char* name = shared->buffer.data() + at + sizeof event;
          if (event.mask & IN_Q_OVERFLOW) relevant = true;
          if (event.wd == shared->watch && (event.mask & (IN_IGNORED | IN_MOVE_SELF)))
            watch_lost = true;
          // The name is padded with NULs up to `len`.
          if (std::string_view(name, ::strnlen(name, event.len)) == shared->name) relevant = true;
          at += sizeof event + event.len;
        }
        if (watch_lost) {
          // The folder was removed or moved away: watch the path again once
          // a folder is there.
          ::inotify_rm_watch(shared->inotify.native_handle(), shared->watch);
          shared->watch = -1;
          shared->retry.begin();
          add_watch(shared);
        } else if (relevant) {
          check(shared);
        }
        if (!shared->reported) read_events(shared);
      });
}

// inotify can only watch what exists. A folder that is not there yet (made
// by the service itself) is looked for again after a backoff: watching each
// missing ancestor for the next one to appear would be exact, but is a lot of
// machinery for a rare case.
void add_watch(const std::shared_ptr<Shared>& shared) {
  if (shared->stopped || shared->reported) return;
  const int watch =
      ::inotify_add_watch(shared->inotify.native_handle(), shared->folder.c_str(), watched_events);
  if (watch >= 0) {
    shared->watch = watch;
    // Whatever happened before the watch began is seen here.
    check(shared);
    return;
  }
  if (errno != ENOENT && errno != ENOTDIR) {
    report(shared, [why = fmt::format("file {}: cannot watch {}: {}", shared->path, shared->folder,
                                      std::strerror(errno))](Shared& s) { s.events.failed(why); });
    return;
  }
  shared->last_result = fmt::format("file {}: does not exist yet", shared->path);
  shared->retry.wait([shared] {
    if (!shared->stopped) add_watch(shared);
  });
}

class FileProbe final : public Probe {
 public:
  FileProbe(const config::FileProbe& spec, Duration interval, ProbeContext& context,
            ProbeEvents events)
      : shared_(std::make_shared<Shared>(context.io, spec.path, interval, std::move(events))) {}

  ~FileProbe() override {
    shared_->stopped = true;
    shared_->retry.cancel();
    close_off_loop(shared_->inotify);
  }

  std::optional<std::string> prepare(SpawnRequest& request) override {
    (void)request;
    shared_->before = look_at(shared_->path);
    prepared_ = true;
    return std::nullopt;
  }

  void start() override {
    if (started_) return;
    started_ = true;
    if (!prepared_) shared_->before = look_at(shared_->path);
    shared_->retry.begin();
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      report(shared_,
             [why = fmt::format("file {}: cannot watch: {}", shared_->path, std::strerror(errno))](
                 Shared& s) { s.events.failed(why); });
      return;
    }
    shared_->inotify.assign(fd);
    read_events(shared_);
    add_watch(shared_);
  }

  std::string last_result() const override { return shared_->last_result; }

 private:
  std::shared_ptr<Shared> shared_;
  bool prepared_ = false;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Probe> make_file_probe(const config::FileProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  (void)target;
  return std::make_unique<FileProbe>(spec, interval, context, std::move(events));
}

}  // namespace summon::runtime

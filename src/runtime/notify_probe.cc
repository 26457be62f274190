// The `notify` probe (systemd's sd_notify protocol): a datagram socket named
// in the service's NOTIFY_SOCKET; READY=1 makes it ready, STATUS= is shown.
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/local/datagram_protocol.hpp>

#include "runtime/notify_message.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

using Datagram = boost::asio::local::datagram_protocol;

// Everything a pending receive touches; it outlives the probe until the
// receive's handler has run.
struct Shared {
  Shared(boost::asio::io_context& io, ProbeEvents events)
      : events(std::move(events)), socket(io), buffer(max_notify_message) {}

  ProbeEvents events;
  Datagram::socket socket;
  std::vector<char> buffer;
  std::string status;  // the last STATUS= text
  bool ready = false;
  bool stopped = false;
};

// One datagram. Statuses are shown in order, then READY=1 is acted on, as
// systemd does for "READY=1\nSTATUS=...". A datagram that is not a notify
// message at all is ignored.
void handle(Shared& shared, std::string_view datagram) {
  auto message = parse_notify_message(datagram);
  if (!message) return;
  for (auto& status : message->statuses) {
    if (status.empty()) continue;  // "STATUS=" clears nothing worth a line
    shared.status = std::move(status);
    if (shared.events.status) shared.events.status(shared.status);
    if (shared.stopped) return;  // the listener dropped the probe
  }
  if (message->ready && !shared.ready) {
    shared.ready = true;
    shared.events.ready();
  }
}

void receive(const std::shared_ptr<Shared>& shared) {
  shared->socket.async_receive(
      boost::asio::buffer(shared->buffer),
      [shared](const boost::system::error_code& error, std::size_t size) {
        if (shared->stopped) return;
        if (error) {
          if (!shared->ready) shared->events.failed(fmt::format("notify: {}", error.message()));
          return;
        }
        handle(*shared, std::string_view(shared->buffer.data(), size));
        if (!shared->stopped) receive(shared);
      });
}

std::optional<std::string> give_to_user(const std::string& path, const std::string& user) {
  std::vector<char> scratch(16 * 1024);
  struct passwd entry {};
  struct passwd* found = nullptr;
  const int error = ::getpwnam_r(user.c_str(), &entry, scratch.data(), scratch.size(), &found);
  if (error != 0) return fmt::format("cannot look up user {}: {}", user, std::strerror(error));
  if (found == nullptr) return fmt::format("no such user: {}", user);
  // The service, running as `user`, needs write access to send.
  if (::chown(path.c_str(), found->pw_uid, found->pw_gid) != 0)
    return fmt::format("cannot give notify socket {} to user {}: {}", path, user,
                       std::strerror(errno));
  return std::nullopt;
}

class NotifyProbe final : public Probe {
 public:
  NotifyProbe(const ProbeTarget& target, ProbeContext& context, ProbeEvents events)
      : path_(context.runtime_dir + "/" + target.service + ".notify"),
        shared_(std::make_shared<Shared>(context.io, std::move(events))) {}

  ~NotifyProbe() override {
    shared_->stopped = true;
    boost::system::error_code ignored;
    shared_->socket.close(ignored);
    if (bound_) ::unlink(path_.c_str());
  }

  std::optional<std::string> prepare(SpawnRequest& request) override {
    if (!bound_) {
      if (auto problem = bind()) return problem;
    }
    if (request.user) {
      if (auto problem = give_to_user(path_, *request.user)) return problem;
    }
    std::erase_if(request.environment,
                  [](const auto& entry) { return entry.first == "NOTIFY_SOCKET"; });
    request.environment.emplace_back("NOTIFY_SOCKET", path_);
    return std::nullopt;
  }

  void start() override {
    if (bound_ && !started_) receive(shared_);
    started_ = true;
  }

  std::string last_result() const override {
    if (shared_->status.empty()) return "notify: no READY=1 yet";
    return fmt::format("notify: status: {}", shared_->status);
  }

 private:
  std::optional<std::string> bind() {
    constexpr std::size_t room = sizeof(sockaddr_un::sun_path) - 1;
    if (path_.size() > room)
      return fmt::format("notify socket path {} is {} bytes long, more than the {} a socket allows",
                         path_, path_.size(), room);
    // Opened here rather than by Asio so that it is close-on-exec from the start.
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fmt::format("cannot make notify socket: {}", std::strerror(errno));
    boost::system::error_code error;
    shared_->socket.assign(Datagram(), fd, error);
    if (error) {
      ::close(fd);
      return fmt::format("cannot make notify socket: {}", error.message());
    }
    // A socket file left by an earlier start of the same service is ours to replace.
    ::unlink(path_.c_str());
    shared_->socket.bind(Datagram::endpoint(path_), error);
    if (error) {
      boost::system::error_code ignored;
      shared_->socket.close(ignored);
      return fmt::format("cannot bind notify socket {}: {}", path_, error.message());
    }
    bound_ = true;
    return std::nullopt;
  }

  std::string path_;
  std::shared_ptr<Shared> shared_;
  bool bound_ = false;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Probe> make_notify_probe(const config::NotifyProbe& spec, const ProbeTarget& target,
                                         ProbeContext& context, ProbeEvents events) {
  (void)spec;
  return std::make_unique<NotifyProbe>(target, context, std::move(events));
}

}  // namespace summon::runtime

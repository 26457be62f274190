// The `notify` probe (systemd's sd_notify protocol): a datagram socket named
// in the service's NOTIFY_SOCKET; READY=1 makes it ready, STATUS= is shown,
// and WATCHDOG=, EXTEND_TIMEOUT_USEC= and ERRNO= go to their events.
//
// The socket is abstract (`@summon/RANDOM/SERVICE`, a form every sd_notify
// client knows): it has no file, so nothing is left behind, no folder's mode
// can keep a service that changed its user away from it, and no file of
// anyone else's can be in the way. Anyone on the machine may send to it, so
// a datagram counts only when the kernel's SCM_CREDENTIALS say its sender is
// one of the service's processes.
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
#include "runtime/run_mark.hpp"

namespace summon::runtime {

namespace {

using Datagram = boost::asio::local::datagram_protocol;

// Everything a pending wait touches; it outlives the probe until the wait's
// handler has run.
struct Shared {
  Shared(boost::asio::io_context& io, ProbeEvents events, std::function<bool(pid_t)> owns,
         std::string service)
      : events(std::move(events)),
        owns(std::move(owns)),
        service(std::move(service)),
        socket(io),
        buffer(max_notify_message) {}

  ProbeEvents events;
  std::function<bool(pid_t)> owns;
  std::string service;
  Datagram::socket socket;
  std::vector<char> buffer;
  std::string status;  // the last STATUS= text
  bool ready = false;
  bool stopped = false;
  bool refusal_told = false;
};

// One datagram. Statuses are shown in order, then READY=1 is acted on, as
// systemd does for "READY=1\nSTATUS=...", then the watchdog's messages. A
// datagram that is not a notify message at all is ignored. Every event may
// drop the probe: nothing more is told once it has.
void handle(Shared& shared, std::string_view datagram) {
  auto message = parse_notify_message(datagram);
  if (!message) return;
  const ProbeEvents& events = shared.events;
  for (auto& status : message->statuses) {
    if (status.empty()) continue;  // "STATUS=" clears nothing worth a line
    shared.status = std::move(status);
    if (events.status) events.status(shared.status);
    if (shared.stopped) return;  // the listener dropped the probe
  }
  if (message->errno_value && events.error_number) {
    events.error_number(*message->errno_value);
    if (shared.stopped) return;
  }
  // SPEC 1.5: STOPPING=1 is shown as `stopping`.
  if (message->stopping && events.status) {
    events.status("stopping");
    if (shared.stopped) return;
  }
  // More time to get ready means nothing once ready, or with READY=1 itself.
  if (message->extend_timeout && !shared.ready && !message->ready && events.extend) {
    events.extend(*message->extend_timeout);
    if (shared.stopped) return;
  }
  if (message->ready && !shared.ready) {
    shared.ready = true;
    events.ready();
    if (shared.stopped) return;
  }
  if (message->watchdog && events.watchdog) {
    events.watchdog();
    if (shared.stopped) return;
  }
  if (message->watchdog_trigger && events.watchdog_trigger) events.watchdog_trigger();
}

// The sender as the kernel saw it; pid 0 when the datagram carried none.
struct Sender {
  pid_t pid = 0;
  uid_t uid = 0;
};

// Reads one datagram, if one is waiting, with its sender's credentials.
std::optional<std::size_t> receive_one(Shared& shared, Sender& sender) {
  iovec data{shared.buffer.data(), shared.buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  const ssize_t got =
      ::recvmsg(shared.socket.native_handle(), &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (got < 0) return std::nullopt;
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      ucred credentials;
      std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
      sender = {credentials.pid, credentials.uid};
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      // Descriptors sent along (FDSTORE=1) are not kept.
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t n = 0; n < count; ++n) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + n * sizeof(int), sizeof fd);
        ::close(fd);
      }
    }
  }
  if (header.msg_flags & MSG_TRUNC) return std::nullopt;  // larger than any notify message
  return static_cast<std::size_t>(got);
}

void refuse(Shared& shared, const Sender& sender) {
  if (shared.refusal_told || !shared.events.notice) return;
  shared.refusal_told = true;  // once: a flood of them must not flood the output
  shared.events.notice(fmt::format(
      "ignored a notify message from pid {} (uid {}): not a process of {}", sender.pid,
      sender.uid, shared.service));
}

void receive(const std::shared_ptr<Shared>& shared) {
  shared->socket.async_wait(
      Datagram::socket::wait_read, [shared](const boost::system::error_code& error) {
        if (shared->stopped) return;
        if (error) {
          if (!shared->ready) shared->events.failed(fmt::format("notify: {}", error.message()));
          return;
        }
        while (!shared->stopped) {
          Sender sender;  // each datagram's own: none carried over from the one before
          const auto size = receive_one(*shared, sender);
          if (!size) break;
          if (!shared->owns || !shared->owns(sender.pid)) {
            refuse(*shared, sender);
            continue;
          }
          handle(*shared, std::string_view(shared->buffer.data(), *size));
        }
        if (!shared->stopped) receive(shared);
      });
}

class NotifyProbe final : public Probe {
 public:
  NotifyProbe(const ProbeTarget& target, ProbeContext& context, ProbeEvents events)
      // A name of its own, fresh for each probe: it says nothing of the run's
      // id (names are public in /proc/net/unix), and no one who saw an
      // earlier one can take it before a restart binds it again.
      : name_(fmt::format("summon/{}/{}", new_run_id(), target.service)),
        shared_(std::make_shared<Shared>(context.io, std::move(events), target.owns,
                                         target.service)) {}

  ~NotifyProbe() override {
    shared_->stopped = true;
    boost::system::error_code ignored;
    shared_->socket.close(ignored);
  }

  std::optional<std::string> prepare(SpawnRequest& request) override {
    if (!bound_) {
      if (auto problem = bind()) return problem;
    }
    std::erase_if(request.environment,
                  [](const auto& entry) { return entry.first == "NOTIFY_SOCKET"; });
    request.environment.emplace_back("NOTIFY_SOCKET", "@" + name_);
    return std::nullopt;
  }

  void start() override {
    if (bound_ && !started_) receive(shared_);
    started_ = true;
  }

  bool stays_while_stopping() const override { return true; }

  std::string last_result() const override {
    if (shared_->status.empty()) return "notify: no READY=1 yet";
    return fmt::format("notify: status: {}", shared_->status);
  }

 private:
  std::optional<std::string> bind() {
    // Opened here rather than by Asio so that it is close-on-exec from the start.
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fmt::format("cannot make notify socket: {}", std::strerror(errno));
    boost::system::error_code error;
    shared_->socket.assign(Datagram(), fd, error);
    if (error) {
      ::close(fd);
      return fmt::format("cannot make notify socket: {}", error.message());
    }
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
      return fmt::format("cannot ask for notify senders' credentials: {}", std::strerror(errno));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // An abstract name: a NUL, then the name, with no terminator.
    std::memcpy(address.sun_path + 1, name_.data(), name_.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0)
      return fmt::format("cannot bind notify socket @{}: {}", name_, std::strerror(errno));
    bound_ = true;
    return std::nullopt;
  }

  std::string name_;  // the abstract name, without its leading NUL
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

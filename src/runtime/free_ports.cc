// pick_ports(): the kernel's ephemeral ports, held until all are chosen, and
// claimed so that a parallel run does not pick them between our pick and our
// service's bind.
#include "runtime/free_ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace summon::runtime {

namespace {

// Ports another run has claimed are skipped, each held bound meanwhile so
// that the kernel offers another; past this many, the machine is busier
// than any picking can help.
constexpr int most_skipped = 1000;

}  // namespace

PortClaims::~PortClaims() {
  for (int fd : fds_) ::close(fd);
}

PortClaims& PortClaims::operator=(PortClaims&& other) noexcept {
  if (this != &other) {
    for (int fd : fds_) ::close(fd);
    fds_ = std::move(other.fds_);
  }
  return *this;
}

bool PortClaims::claim(int port) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const std::string name = fmt::format("summon/port/{}", port);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());  // abstract: a NUL first
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return false;
  }
  fds_.push_back(fd);
  return true;
}

std::optional<config::PortMap> pick_ports(const std::vector<std::string>& names,
                                          PortClaims& claims, std::string& error) {
  config::PortMap ports;
  std::vector<int> held;
  auto release = [&] {
    for (int fd : held) ::close(fd);
  };
  int skipped = 0;
  for (const auto& name : names) {
    for (;;) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t length = sizeof address;
      if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
          ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        error = fmt::format("cannot pick a port for '{}': {}", name, std::strerror(errno));
        if (fd >= 0) ::close(fd);
        release();
        return std::nullopt;
      }
      held.push_back(fd);
      const int port = ntohs(address.sin_port);
      if (claims.claim(port)) {
        ports[name] = port;
        break;
      }
      if (errno != EADDRINUSE) {
        error = fmt::format("cannot claim port {} for '{}': {}", port, name, std::strerror(errno));
        release();
        return std::nullopt;
      }
      if (++skipped > most_skipped) {
        error = fmt::format(
            "cannot pick a port for '{}': the {} ports offered were all claimed (abstract sockets "
            "@summon/port/N, held by other summon runs or by any process of any user)",
            name, most_skipped);
        release();
        return std::nullopt;
      }
    }
  }
  release();
  return ports;
}

}  // namespace summon::runtime

// pick_ports(): the kernel's ephemeral ports, held until all are chosen.
#include "runtime/free_ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace summon::runtime {

std::optional<config::PortMap> pick_ports(const std::vector<std::string>& names,
                                          std::string& error) {
  config::PortMap ports;
  std::vector<int> held;
  auto release = [&] {
    for (int fd : held) ::close(fd);
  };
  for (const auto& name : names) {
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
    ports[name] = ntohs(address.sin_port);
  }
  release();
  return ports;
}

}  // namespace summon::runtime

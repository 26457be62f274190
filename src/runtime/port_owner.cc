#include "runtime/port_owner.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace summon::runtime {

namespace {

namespace fs = std::filesystem;
using boost::asio::ip::tcp;

// Long enough for any loopback handshake; a listener whose backlog is full
// drops the SYN and counts as free, which is what a connect would see too.
constexpr int connect_timeout_ms = 200;

bool accepts(const tcp::endpoint& endpoint) {
  const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          endpoint.protocol().protocol());
  if (fd < 0) return false;
  bool connected = ::connect(fd, endpoint.data(), endpoint.size()) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd wait{fd, POLLOUT, 0};
    if (::poll(&wait, 1, connect_timeout_ms) == 1) {
      int error = 0;
      socklen_t length = sizeof error;
      connected = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
    }
  }
  ::close(fd);
  return connected;
}

// The inodes of sockets listening on `port` in one /proc/net/tcp* table.
void listening_inodes(const char* table, int port, std::unordered_set<std::string>& inodes) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the column titles
  while (std::getline(in, line)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode))
      continue;
    if (state != "0A") continue;  // TCP_LISTEN
    const std::size_t colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    unsigned value = 0;
    const char* first = local.data() + colon + 1;
    const char* last = local.data() + local.size();
    const auto parsed = std::from_chars(first, last, value, 16);
    if (parsed.ec != std::errc() || parsed.ptr != last || static_cast<int>(value) != port) continue;
    if (inode != "0") inodes.insert(fmt::format("socket:[{}]", inode));
  }
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Every pid with one of `sockets` among its descriptors, in /proc's order.
std::vector<long> holders(const std::unordered_set<std::string>& sockets) {
  std::vector<long> found;
  std::error_code error;
  for (fs::directory_iterator proc("/proc", error), end; !error && proc != end;
       proc.increment(error)) {
    const std::string name = proc->path().filename();
    if (!all_digits(name)) continue;
    std::error_code fd_error;
    for (fs::directory_iterator fd(proc->path() / "fd", fd_error), fd_end;
         !fd_error && fd != fd_end; fd.increment(fd_error)) {
      std::error_code link_error;
      const fs::path target = fs::read_symlink(fd->path(), link_error);
      if (!link_error && sockets.count(target.native()) > 0) {
        found.push_back(std::stol(name));
        break;
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string command_name(long pid) {
  std::ifstream in(fmt::format("/proc/{}/comm", pid));
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host.empty();
}

bool port_accepts(const std::string& host, int port) {
  const auto number = static_cast<unsigned short>(port);
  std::vector<tcp::endpoint> endpoints;
  if (host == "localhost") {
    endpoints = {{boost::asio::ip::address_v4::loopback(), number},
                 {boost::asio::ip::address_v6::loopback(), number}};
  } else {
    // Names other than localhost are not resolved: that would block on DNS.
    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address(host, error);
    if (error) return false;
    endpoints = {{address, number}};
  }
  for (const auto& endpoint : endpoints)
    if (accepts(endpoint)) return true;
  return false;
}

std::optional<std::string> port_owner(int port) {
  std::unordered_set<std::string> sockets;
  listening_inodes("/proc/net/tcp", port, sockets);
  listening_inodes("/proc/net/tcp6", port, sockets);
  if (sockets.empty()) return std::nullopt;
  // A server that forks workers sharing the socket is named by its first process.
  const auto pids = holders(sockets);
  if (pids.empty()) return std::nullopt;
  const std::string name = command_name(pids.front());
  if (name.empty()) return fmt::format("pid {}", pids.front());
  return fmt::format("pid {} ({})", pids.front(), name);
}

std::vector<long> port_holders(int port) {
  std::unordered_set<std::string> sockets;
  listening_inodes("/proc/net/tcp", port, sockets);
  listening_inodes("/proc/net/tcp6", port, sockets);
  if (sockets.empty()) return {};
  return holders(sockets);
}

std::string port_in_use_message(int port) {
  if (auto owner = port_owner(port))
    return fmt::format("port {} is already in use by {}", port, *owner);
  return fmt::format("port {} is already in use", port);
}

}  // namespace summon::runtime

// Ports for `ports:` (SPEC 1.1): free loopback TCP ports, picked at start,
// unique among all summon runs on the machine at the same time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/environment.hpp"

namespace summon::runtime {

/// The machine-wide claims of one run's ports: an abstract unix socket
/// `@summon/port/N` per port, which another run's pick sees as taken. The
/// kernel drops them when they are closed, so a run that dies by SIGKILL
/// leaves no claim behind. Hold it as long as the run: a port is free for
/// other runs again once it is destroyed.
class PortClaims {
 public:
  PortClaims() = default;
  ~PortClaims();
  PortClaims(PortClaims&& other) noexcept : fds_(std::move(other.fds_)) {}
  PortClaims& operator=(PortClaims&& other) noexcept;
  PortClaims(const PortClaims&) = delete;
  PortClaims& operator=(const PortClaims&) = delete;

  /// Claims port `port`: false if another run holds it (or no socket could
  /// be made, which is then in `errno`).
  bool claim(int port);

 private:
  std::vector<int> fds_;
};

/// One free port on 127.0.0.1 per name, all different: the kernel picks each
/// (bind to port 0), skipping ports another summon run has claimed, and all
/// stay bound until every one is picked; each is claimed in `claims`. Nullopt
/// with `error` set if the system has none to give.
std::optional<config::PortMap> pick_ports(const std::vector<std::string>& names,
                                          PortClaims& claims, std::string& error);

}  // namespace summon::runtime

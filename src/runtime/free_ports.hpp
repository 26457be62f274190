// Ports for `ports:` (SPEC 1.1): free loopback TCP ports, picked at start.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/environment.hpp"

namespace summon::runtime {

/// One free port on 127.0.0.1 per name, all different: the kernel picks each
/// (bind to port 0), and all stay bound until every one is picked. Nullopt
/// with `error` set if the system has none to give.
std::optional<config::PortMap> pick_ports(const std::vector<std::string>& names,
                                          std::string& error);

}  // namespace summon::runtime

// Who is already listening on a port, for the check before a `tcp` service
// starts (SPEC 1.3): "port 5432 is already in use by pid 4242 (postgres)".
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace summon::runtime {

/// Whether `host` names this machine's loopback ("localhost", "127.0.0.1",
/// "::1", or empty: a probe's default), where listeners can be looked at.
bool is_loopback_host(const std::string& host);

/// Whether something accepts TCP connections on `port` of `host` right now
/// ("localhost": 127.0.0.1 or ::1). A blocking connect on loopback: fast.
bool port_accepts(const std::string& host, int port);

/// "pid 4242 (postgres)" for the process holding a listening socket on
/// `port` (any local address), found through /proc/net/tcp{,6} and
/// /proc/PID/fd; nullopt when it cannot be seen (another user's process,
/// when not root).
std::optional<std::string> port_owner(int port);

/// Every process holding a listening socket on `port` (any local address),
/// lowest pid first; empty when none can be seen (another user's, when not
/// root).
std::vector<long> port_holders(int port);

/// The whole message: "port 5432 is already in use by pid 4242 (postgres)",
/// or "port 5432 is already in use" when the owner cannot be found.
std::string port_in_use_message(int port);

}  // namespace summon::runtime

// Who is on the other end of a control connection (SPEC 2.2: only the
// owner's user id, or root, is served). The kernel answers for both ends: the
// supervisor asks who connected, and a command can ask who is listening
// before it trusts the answers.
#pragma once

#include <sys/types.h>

#include <optional>

namespace summon::control {

/// The user id of the process on the other end of connected Unix socket
/// `socket_fd`, from SO_PEERCRED (as it was when the connection was made),
/// or nullopt if the kernel will not say (not a Unix socket, not connected).
std::optional<uid_t> peer_uid(int socket_fd);

/// Whether a peer is served: the owner (the supervisor's effective uid) or root.
bool peer_allowed(uid_t peer, uid_t owner);

}  // namespace summon::control

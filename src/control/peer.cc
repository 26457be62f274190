#include "control/peer.hpp"

#include <sys/socket.h>

namespace summon::control {

std::optional<uid_t> peer_uid(int socket_fd) {
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
      size != sizeof credentials)
    return std::nullopt;
  // A socket made by socket() and never connected reports the invalid uid.
  if (credentials.uid == static_cast<uid_t>(-1)) return std::nullopt;
  return credentials.uid;
}

bool peer_allowed(uid_t peer, uid_t owner) {
  return peer == owner || peer == 0;
}

}  // namespace summon::control

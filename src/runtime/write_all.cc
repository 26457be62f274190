#include "runtime/write_all.hpp"

#include <unistd.h>

#include <cerrno>

namespace summon::runtime {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

}  // namespace summon::runtime

// Writing a whole buffer to a descriptor, for output that must not stop the run.
#pragma once

#include <string_view>

namespace summon::runtime {

/// Writes all of `data` to `fd` through short writes and EINTR. False when
/// the descriptor refuses (EPIPE: nobody reads any more; ENOSPC: a full
/// disk); the rest is then dropped, and the caller goes on.
bool write_all(int fd, std::string_view data);

}  // namespace summon::runtime

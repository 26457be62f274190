#include "runtime/user_entry.hpp"

#include <pwd.h>

#include <vector>

namespace summon::runtime {

std::optional<UserEntry> find_user(const std::string& name) {
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16 * 1024);
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return std::nullopt;
  return UserEntry{found->pw_uid, found->pw_gid, found->pw_name,
                   found->pw_dir ? found->pw_dir : "/",
                   found->pw_shell && *found->pw_shell ? found->pw_shell : "/bin/sh"};
}

}  // namespace summon::runtime

#include "runtime/user_environment.hpp"

#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace summon::runtime {

config::EnvList environment_as_user(config::EnvList base, const std::string& user) {
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16 * 1024);
  if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return base;
  if (found->pw_uid == ::geteuid()) return base;
  const std::string shell = found->pw_shell && *found->pw_shell ? found->pw_shell : "/bin/sh";
  const config::EnvList identity = {
      {"HOME", found->pw_dir ? found->pw_dir : "/"},
      {"USER", found->pw_name},
      {"LOGNAME", found->pw_name},
      {"SHELL", shell},
  };
  std::erase_if(base, [&](const auto& variable) {
    for (const auto& [key, value] : identity)
      if (variable.first == key) return true;
    return false;
  });
  base.insert(base.end(), identity.begin(), identity.end());
  return base;
}

}  // namespace summon::runtime

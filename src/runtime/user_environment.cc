#include "runtime/user_environment.hpp"

#include <unistd.h>

#include "runtime/user_entry.hpp"

namespace summon::runtime {

config::EnvList environment_as_user(config::EnvList base, const std::string& user) {
  const auto found = find_user(user);
  if (!found || found->uid == ::geteuid()) return base;
  const config::EnvList identity = {
      {"HOME", found->home},
      {"USER", found->name},
      {"LOGNAME", found->name},
      {"SHELL", found->shell},
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

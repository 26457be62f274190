// A user of the password database, looked up once for what summon needs.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace summon::runtime {

struct UserEntry {
  uid_t uid;
  gid_t gid;
  std::string name;
  std::string home;   // as the entry says it ("/" if it has no field at all)
  std::string shell;  // "/bin/sh" when the entry names none
};

/// User `name` (getpwnam_r: thread-safe, so a host program's threads may
/// call it), or nullopt if there is none or the database cannot be read.
std::optional<UserEntry> find_user(const std::string& name);

}  // namespace summon::runtime

// The identity variables of a service that runs as another `user`.
#pragma once

#include <string>

#include "config/environment.hpp"

namespace summon::runtime {

/// `base` (summon's own environment) as `user` gets it from runuser or
/// systemd's User=: HOME, USER, LOGNAME and SHELL from the password database
/// (SHELL is /bin/sh when the entry names none), everything else kept. What
/// the services file sets comes after this, so it still wins. Unchanged when
/// the user is summon's own, or unknown (the spawn then says so).
config::EnvList environment_as_user(config::EnvList base, const std::string& user);

}  // namespace summon::runtime

// The environment a service, its probes, or a `run` command receive (SPEC 1.2).
#pragma once

#include <map>
#include <string>

#include "config/project_spec.hpp"

namespace summon::config {

/// Ports picked for this run, by name.
using PortMap = std::map<std::string, int>;

/// summon's own environment (`environ`), in order.
EnvList process_environment();

/// Later entries win: `layers` are applied in order, and the result keeps
/// each name once, sorted by name.
EnvList merge_environment(std::initializer_list<const EnvList*> layers);

/// A service's environment, later entries winning: `base` (summon's own
/// environment), the top-level env_file, the top-level `env`, the service's
/// env_file, its `env`, then SUMMON_PROJECT, SUMMON_PROJECT_DIR (the project's
/// folder), SUMMON_SERVICE and SUMMON_PORT_*.
/// (NOTIFY_SOCKET is the runtime's to add.)
EnvList service_environment(const ProjectSpec& project, const ServiceSpec& service,
                            const EnvList& base, const PortMap& ports);

/// The environment of a `run` command: `base`, the top-level env_file and
/// `env`, SUMMON_PROJECT, SUMMON_PROJECT_DIR and SUMMON_PORT_*.
EnvList run_environment(const ProjectSpec& project, const EnvList& base, const PortMap& ports);

}  // namespace summon::config

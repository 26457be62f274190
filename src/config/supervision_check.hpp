// Supervision rules that span services (SPEC 1.5), checked once every
// service is read.
#pragma once

#include <string>

#include "config/diagnostic.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

/// Reports, at its `restart` key, each service with `restart: always` that
/// another service needs `completed`: restarted whenever it ends, it would
/// never stay completed. Names every such dependent.
void check_supervision(const ProjectSpec& project, const std::string& file,
                       Diagnostics& diagnostics);

}  // namespace summon::config

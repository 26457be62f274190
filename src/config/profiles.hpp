// Profiles (SPEC 1.6): a service with `profiles` is part of the project only
// when one of them is active, or when it is named on the command line.
#pragma once

#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

/// The profiles named in SUMMON_PROFILES's value: `a,b`, blanks around names
/// dropped, empty names skipped.
std::vector<std::string> profiles_from_list(const std::string& list);

/// Removes from `project` every service that is not part of it: one with
/// `profiles` none of which is `active`, unless it is `named` or a
/// dependency (transitively) of a named service. A service that is part of
/// it and depends on one that is not is a diagnostic at that dependency,
/// naming the profile that would bring it in; the dependency is dropped, so
/// that it is not reported again as unknown.
void apply_profiles(ProjectSpec& project, const std::vector<std::string>& active,
                    const std::vector<std::string>& named, Diagnostics& diagnostics);

}  // namespace summon::config

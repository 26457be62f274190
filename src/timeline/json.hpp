// The timeline as JSON (schemas/timeline.schema.json): what the supervisor
// sends in reply to `timeline`, what `summon timeline --format json` prints,
// and what the command reads back to render the other forms.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "timeline/timeline.hpp"

namespace summon::timeline {

/// `{"open":false,"total_ms":1410.2,"critical_path":["web",...],"services":[...]}`:
/// times in milliseconds (to the microsecond), null when a service never got
/// there; the critical path as critical_path() finds it, the last first.
nlohmann::json to_json(const Timeline& timeline);

/// The timeline `value` describes, or nullopt when it is not one (a member
/// missing or of the wrong type, a negative time). "critical_path" is not
/// read: it follows from the rest.
std::optional<Timeline> from_json(const nlohmann::json& value);

}  // namespace summon::timeline

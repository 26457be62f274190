// The commands that drive a running project (SPEC 2.2). Each returns the
// exit code: 3 when the project is not up (SPEC 2.1).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/control_client.hpp"
#include "control/protocol.hpp"

namespace summon::cli {

class Detacher;

struct ControlTarget {
  ProjectRef ref;
  std::vector<std::string> services;  // the services named; empty means all
  /// The project as the user named it: NAME, or its file.
  std::string describe() const;
};

struct LogsArgs {
  bool follow = false;
  std::optional<long> lines;
  std::optional<std::string> since;
  bool timestamps = false;
  bool no_color = false;
};

/// `summon ps [--json]`: one line per service.
int ps_command(const ControlTarget& target, bool as_json);
/// `summon logs [-f] [-n N] [--since D] [-t]`.
int logs_command(const ControlTarget& target, const LogsArgs& args);
/// `summon attach [SERVICE...]`: follows the output and summon's own lines
/// until Ctrl-C (which leaves the project running) or the project's end.
int attach_command(const ControlTarget& target, bool no_color);
/// `summon stop|start|restart SERVICE...`: returns once done.
int service_command(const ControlTarget& target, control::Command command);
/// `summon down [--timeout D]`: returns once nothing of the project is left.
int down_command(const ControlTarget& target, const std::optional<std::string>& timeout);
/// `summon ls [--json]`: this user's running projects.
int ls_command(bool as_json);
/// `summon ui`: the dashboard (SPEC 2.3); quitting leaves the project running.
int ui_command(const ControlTarget& target, bool no_color);
/// `summon up --ui`, once the supervisor `supervisor` listens: the
/// dashboard; quitting tears the project down, `d` leaves it running.
int ui_after_up(const std::string& file, Detacher& supervisor, bool no_color);

/// Sends `request` to the project `target` names and returns its first
/// reply when that is not an error; else the exit code, once what went
/// wrong has been said (3: not up or gone, 1: an error reply).
std::variant<nlohmann::json, int> first_reply(const ControlTarget& target,
                                              const control::Request& request);

}  // namespace summon::cli

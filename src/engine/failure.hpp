// Why a run failed, worded as SPEC 3.1 prints it: the failure summary's
// first line. Every wording the engine produces is built here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/project_spec.hpp"
#include "engine/exit_status.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

struct Failure {
  graph::ServiceIndex service = 0;
  std::string reason;   // "exited with code 1 before it was ready"
  std::string message;  // "db: exited with code 1 before it was ready"
};

/// "cannot start: ./api: No such file or directory"
std::string cannot_start(std::string_view why);
/// "exited with code 1 before it was ready"
std::string exited_before_ready(const ExitStatus& status);
/// "not ready after 30s: tcp 127.0.0.1:5432: connection refused"; without
/// what the probe saw when it saw nothing yet.
std::string not_ready_after(config::Duration timeout, std::string_view last_seen);
/// A ready service's `alive` probe or watchdog gave up on it: "unhealthy:
/// http 127.0.0.1:8080/health: status 503 (3 in a row)", read after "api: ",
/// as a restart's cause after "api ".
std::string unhealthy(std::string_view why);
/// After the last restart allowed: "exited with code 1; gave up after 5 restarts".
std::string gave_up_after(std::string_view reason, int restarts);
/// Restarts were tried before the readiness deadline: "not ready after 30s:
/// ...; 3 restarts tried".
std::string restarts_tried(std::string_view reason, int restarts);
/// A dependency of some waiting service with condition `completed` ended
/// otherwise: "exited with code 1 instead of completing (needed by api, web)".
std::string did_not_complete(const ExitStatus& status, const std::vector<std::string>& needed_by);

}  // namespace summon::engine

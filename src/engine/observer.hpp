// What the engine tells the user interface: each state change with its
// timing, the end of bring-up, the failure and the end of the run. The CLI
// turns these into `db ready in 1.21s (notify)`, `ready: 5 services in
// 2.04s`, `api skipped (db failed)`, `api exited with code 1`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "engine/clock.hpp"
#include "engine/exit_status.hpp"
#include "engine/failure.hpp"
#include "engine/state.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

/// A restart decided with this change: its number in the row and its delay.
struct RestartNote {
  int number = 1;
  Duration delay{};
};

struct StateChange {
  graph::ServiceIndex service = 0;
  State from = State::pending;
  State to = State::pending;
  Duration since_bring_up{};       // from bring_up() to this change
  Duration since_start{};          // from the service's start to this change; zero if never started
  Duration since_stop{};           // from the stop signal to this change; zero if not stopping
  std::optional<ExitStatus> exit;  // the change comes from its main process ending
  std::optional<graph::ServiceIndex> because;  // skipped: the failed service (none on shutdown)
  bool killed = false;  // stopped: SIGKILL was needed (stop timeout or kill_all)
  std::string reason;   // failed, unhealthy, or a restart's cause: why, without the name
  std::optional<RestartNote> restart;  // a restart follows this change
};

/// Receives the engine's reports, in the order things happened. Called from
/// inside the engine; a command given to the engine from here (shut_down()
/// on a failure, say) is carried out once the current report is handled.
class Observer {
 public:
  virtual ~Observer() = default;

  virtual void on_change(const StateChange& change) = 0;
  /// Bring-up is over: every service wanted up is ready or completed
  /// (`services` of them), but for any waiting to start for one stopped.
  virtual void on_all_ready(std::size_t services, Duration since_bring_up) = 0;
  /// The run failed (at most once, before its teardown begins).
  virtual void on_failure(const Failure& failure) = 0;
  /// Teardown is over: nothing summon started is left.
  virtual void on_done(int exit_code, Duration since_bring_up) = 0;
};

}  // namespace summon::engine

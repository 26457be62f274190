// The scheduler: starts each service the moment its own conditions hold,
// skips what a failure leaves behind, and tears down on the reverse edges.
// It decides; the Runner acts; nothing here touches the OS or blocks.
//
// Exit rules (SPEC 2.1, 3.1, 3.2), for a service's main process:
// - Exit code 0 is never a failure: the service is `completed`, which meets
//   every condition of its dependents.
// - A non-zero exit (or death by a signal) before the service was ready is a
//   failure: "exited with code 1 before it was ready".
// - A non-zero exit while bringing up, after ready, is a failure too:
//   "exited with code 1", or "... instead of completing (needed by api)"
//   when a waiting service needs it `completed`.
// - Once everything is up: in `up` mode the exit is reported (the service is
//   `failed`) and the rest keep running, unless abort_on_exit, which makes it
//   a failure; in `run` mode a non-zero exit is a failure.
// - An exit while the service is being stopped, or caused by summon's own
//   stop signal, is a clean stop whatever its code.
// - During teardown nothing is a failure any more: the first failure stands,
//   and a shutdown that had none ends with exit code 0.
// A failure ends bring-up: nothing new starts, every pending service becomes
// `skipped` naming the failed one, and everything running is torn down.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/project_spec.hpp"
#include "engine/clock.hpp"
#include "engine/exit_status.hpp"
#include "engine/failure.hpp"
#include "engine/observer.hpp"
#include "engine/runner.hpp"
#include "engine/service_run.hpp"
#include "engine/state.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

/// `up` keeps services running after one exits; `run` fails on a non-zero exit.
enum class Mode { up, run };

/// idle until bring_up(); bringing_up until every selected service is ready
/// or completed; up until shut_down() or a failure; tearing_down until
/// nothing summon started is left; then done.
enum class Phase { idle, bringing_up, up, tearing_down, done };
std::string_view phase_name(Phase phase);

struct EngineOptions {
  std::optional<config::Duration> timeout;  // `--timeout`: replaces every probe's timeout
  Mode mode = Mode::up;
  bool abort_on_exit = false;  // `up --abort-on-exit`
};

class Engine : public RunnerEvents {
 public:
  /// Runs the services in `selected` and everything they depend on. The
  /// project, graph, runner, clock and observer must outlive the engine.
  Engine(const config::ProjectSpec& project, const graph::DependencyGraph& graph,
         std::vector<ServiceIndex> selected, Runner& runner, Clock& clock, Observer& observer,
         EngineOptions options = {});
  /// Cancels the engine's timers; it does not stop anything.
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Commands. Each does nothing in a phase where it means nothing.

  /// Starts every selected service whose conditions hold (those without
  /// dependencies), and the others as their conditions come to hold.
  void bring_up();
  /// Ordered teardown (Ctrl-C): nothing new starts, pending services are
  /// skipped, and each running service gets its stop signal once every
  /// service depending on it has stopped, then SIGKILL after its stop timeout.
  void shut_down();
  /// Second Ctrl-C: SIGKILL to every service not yet stopped, at once.
  void kill_all();

  // Reports from the runner. A report that means nothing in the service's
  // state (or for a service outside the run) is ignored.

  /// Service i's process was spawned (exec succeeded).
  void on_started(ServiceIndex i) override;
  /// Service i could not be spawned; `why` reads after "NAME: ": "cannot
  /// start: ./api: No such file or directory", "port 5432 is already in use".
  void on_start_failed(ServiceIndex i, std::string why) override;
  /// Service i's readiness probe held while its process was alive.
  void on_ready(ServiceIndex i) override;
  /// Service i's probe failed for good; `why` reads after "NAME: ".
  void on_probe_failed(ServiceIndex i, std::string why) override;
  /// Service i's main process ended.
  void on_exited(ServiceIndex i, ExitStatus status) override;
  /// After stop() or kill(): none of service i's processes is left.
  void on_stopped(ServiceIndex i) override;
  /// Not acted on yet: the supervising engine handles health and deadlines.
  void on_unhealthy(ServiceIndex i, std::string why) override;
  void on_healthy(ServiceIndex i) override;
  void on_deadline_extended(ServiceIndex i, Duration extra) override;

  // Queries.

  State state(ServiceIndex i) const { return runs_[i].state; }
  /// Whether service i takes part in this run (selected, or needed by one that is).
  bool in_run(ServiceIndex i) const { return i < runs_.size() && runs_[i].selected; }
  Phase phase() const { return phase_; }
  /// The first failure, if the run failed.
  const std::optional<Failure>& failure() const { return failure_; }
  /// 1 if the run failed, else 0. In `run` mode the caller replaces a 0 with
  /// the command's own exit code.
  int exit_code() const { return failure_ ? 1 : 0; }

 private:
  struct Detail {
    std::optional<ExitStatus> exit;
    std::optional<ServiceIndex> because;
    std::string reason;
  };

  // engine.cc: plumbing shared by bring-up and teardown.
  void dispatch(std::function<void()> handle);
  bool change(ServiceIndex i, Event event, Detail detail = {});
  void fail(ServiceIndex i, Event event, std::string reason, std::optional<ExitStatus> exit = {});
  void cancel_timer(std::optional<TimerId>& timer);
  Duration since(const std::optional<TimePoint>& at) const;

  // scheduler.cc
  void do_bring_up();
  void start(ServiceIndex i);
  void release_waiters(ServiceIndex i);
  void check_all_ready();
  void do_started(ServiceIndex i);
  void do_start_failed(ServiceIndex i, const std::string& why);
  void do_ready(ServiceIndex i);
  void do_probe_failed(ServiceIndex i, const std::string& why);
  void do_exited(ServiceIndex i, const ExitStatus& status);
  void readiness_expired(ServiceIndex i);
  void exited_after_ready(ServiceIndex i, const ExitStatus& status);
  config::Duration readiness_timeout(ServiceIndex i) const;

  // teardown.cc
  void begin_teardown(std::optional<ServiceIndex> because);
  void stop(ServiceIndex i);
  void kill(ServiceIndex i);
  void stop_expired(ServiceIndex i);
  void do_kill_all();
  void do_stopped(ServiceIndex i);
  void release_dependencies(ServiceIndex i);
  void check_done();

  const config::ProjectSpec& project_;
  const graph::DependencyGraph& graph_;
  Runner& runner_;
  Clock& clock_;
  Observer& observer_;
  EngineOptions options_;

  std::vector<ServiceRun> runs_;     // by service index, selected or not
  std::vector<ServiceIndex> order_;  // the selected services, dependencies first
  Phase phase_ = Phase::idle;
  std::optional<Failure> failure_;
  std::optional<TimePoint> bring_up_at_;
  std::size_t not_ready_ = 0;  // selected services not yet ready or completed
  std::size_t holding_ = 0;    // services spawned (or being spawned) and not yet stopped
  bool killing_ = false;       // kill_all() was asked: every stop is a SIGKILL now

  bool dispatching_ = false;
  std::deque<std::function<void()>> queued_;
};

}  // namespace summon::engine

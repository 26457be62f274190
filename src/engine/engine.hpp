// The engine: a reconciler of desired state (s6-supervise's `flagwantup`,
// s6-rc's examine). Each service has what it should be (`want`) and what it
// is (`state`); after every event, examine() moves each service concerned a
// step toward what it should be, and it alone decides to start or stop one.
// Bring-up is "want up" for the selection, teardown is "want down" for all,
// a restart policy, `restart`, `stop` and `start` are changes of want; the
// run's phase is a summary of the services, never a gate.
//
// A service starts when it is wanted up and every condition of its
// `depends_on` holds (and the dependency is itself wanted up). It is stopped
// when it is wanted down, is being restarted, or a dependency it holds with
// `restart: true` no longer meets its condition; and only once every
// dependent that goes down with it has stopped, so teardown runs in reverse
// order and independent services stop together.
//
// Exit rules (SPEC 1.5, 2.1, 3.1, 3.2), for a service's main process:
// - An exit caused by summon's own stop signal is a clean stop; so is one
//   while it waits its turn to be stopped (wanted down, restarted, or going
//   down with a `restart: true` dependency): it was going down anyway.
// - Its restart policy decides first: `always` restarts on any exit,
//   `on-failure` on a non-zero exit or a signal, also before ready; so do a
//   probe that failed for good, a liveness failure, and (after bring-up) a
//   readiness deadline. Restarts wait a backoff delay; after `max_restarts`
//   in a row it has failed ("...; gave up after 5 restarts").
// - Otherwise exit code 0 is never a failure: the service is `completed`.
// - A non-zero exit (or death by a signal) during bring-up fails the run; so
//   does any failure during bring-up.
// - After bring-up, in `up` mode the service is `failed` and the rest keep
//   running, unless abort_on_exit; so when a service started again (by
//   `restart` or `start`) exits before it is ready. In `run` mode it fails
//   the run, as does an `unhealthy` service that is not restarted.
// - Once the run is being torn down, nothing is a failure any more: the first
//   failure stands, and a shutdown that had none ends with exit code 0.
// A failure of the run wants everything down: nothing new starts, every
// pending service becomes `skipped` naming the failed one.
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

/// A summary of the services: idle until bring_up(); bringing_up until every
/// service wanted up has been ready or completed (one stopped meanwhile, or
/// waiting to start for one that was, is not waited for); up; tearing_down
/// once everything is wanted down and something is left; then done.
enum class Phase { idle, bringing_up, up, tearing_down, done };
std::string_view phase_name(Phase phase);

struct EngineOptions {
  std::optional<config::Duration> timeout;  // `--timeout`: replaces every probe's timeout
  Mode mode = Mode::up;
  bool abort_on_exit = false;  // `up --abort-on-exit`
};

class Engine final : public RunnerEvents {
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

  // Commands: each sets what services should be, and the engine gets there.

  /// Wants every selected service up: each starts once its conditions hold.
  void bring_up();
  /// Ordered teardown (Ctrl-C): wants everything down. Nothing new starts,
  /// pending services are skipped, and each running service gets its stop
  /// signal once every service depending on it has stopped, then SIGKILL
  /// after its stop timeout.
  void shut_down();
  /// Second Ctrl-C: SIGKILL to every service not yet stopped, at once.
  void kill_all();
  /// `summon start`: wants service i up, with what it depends on that is not
  /// running (taking them into the run if they were not).
  void start(ServiceIndex i);
  /// `summon stop`: wants service i down; its dependents that hold it with
  /// `restart: true` go down first, the others keep running.
  void stop(ServiceIndex i);
  /// `summon restart`: stops service i (after its `restart: true` dependents)
  /// and starts it again at once, then those dependents. A service not
  /// running is started.
  void restart(ServiceIndex i);

  // RunnerEvents: reports from the runner. One that means nothing in the
  // service's state (or for a service outside the run) is ignored.
  void on_started(ServiceIndex i) override;
  void on_start_failed(ServiceIndex i, std::string why) override;
  void on_ready(ServiceIndex i) override;
  void on_probe_failed(ServiceIndex i, std::string why) override;
  void on_exited(ServiceIndex i, ExitStatus status) override;
  void on_stopped(ServiceIndex i) override;
  void on_unhealthy(ServiceIndex i, std::string why) override;
  void on_healthy(ServiceIndex i) override;
  void on_deadline_extended(ServiceIndex i, Duration extra) override;

  // Queries.

  State state(ServiceIndex i) const { return runs_[i].state; }
  Want want(ServiceIndex i) const { return runs_[i].want; }
  /// Restarts of service i in a row (reset once it stayed ready), and in all.
  int restarts_in_row(ServiceIndex i) const { return runs_[i].restarts; }
  int restarts(ServiceIndex i) const { return runs_[i].restarts_all; }
  /// Whether service i takes part in this run (selected, or needed by one that is).
  bool in_run(ServiceIndex i) const { return i < runs_.size() && runs_[i].selected; }
  Phase phase() const;
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
    std::optional<RestartNote> restart;
  };

  // engine.cc: plumbing.
  void dispatch(std::function<void()> handle);
  bool change(ServiceIndex i, Event event, Detail detail = {});
  void enqueue(ServiceIndex i);
  void enqueue_around(ServiceIndex i);
  void settle();
  bool bring_up_waits() const;
  void cancel_timer(std::optional<TimerId>& timer);
  Duration since(const std::optional<TimePoint>& at) const;

  // examine.cc: the reconciler.
  void examine(ServiceIndex i);
  bool requirements_hold(ServiceIndex i) const;
  bool goes_down(ServiceIndex i) const;
  bool dependents_down(ServiceIndex i) const;
  void stop_in_order(ServiceIndex i);
  bool available(ServiceIndex d, config::Condition condition) const;
  void spawn(ServiceIndex i);
  void send_stop(ServiceIndex i);
  void send_kill(ServiceIndex i);
  void stop_expired(ServiceIndex i);
  void want_all_down(std::optional<ServiceIndex> because);
  std::optional<ServiceIndex> skipped_because() const;

  // reports.cc: what the runner says.
  void do_started(ServiceIndex i);
  void do_start_failed(ServiceIndex i, const std::string& why);
  void do_ready(ServiceIndex i);
  void do_probe_failed(ServiceIndex i, const std::string& why);
  void do_exited(ServiceIndex i, const ExitStatus& status);
  void do_stopped(ServiceIndex i);
  void do_unhealthy(ServiceIndex i, const std::string& why);
  void do_healthy(ServiceIndex i);
  void do_deadline_extended(ServiceIndex i, Duration extra);
  void became_ready(ServiceIndex i);
  void readiness_expired(ServiceIndex i);
  void exited_for_good(ServiceIndex i, const ExitStatus& status);
  config::Duration readiness_timeout(ServiceIndex i) const;
  void arm_ready_deadline(ServiceIndex i, TimePoint at);

  // supervision.cc: restart policies and backoff.
  bool restarts_on(ServiceIndex i, const std::optional<ExitStatus>& exit) const;
  void restart_after_failure(ServiceIndex i, Event failure, std::string reason,
                             std::optional<ExitStatus> exit);
  Duration backoff_delay(ServiceIndex i, int number) const;
  void begin_backoff(ServiceIndex i);
  void arm_steady_timer(ServiceIndex i);

  // reports.cc: failures, of a service and of the run.
  bool in_bring_up() const;
  void fail(ServiceIndex i, Event event, std::string reason, std::optional<ExitStatus> exit = {});
  void fail_quietly(ServiceIndex i, Event event, std::string reason,
                    std::optional<ExitStatus> exit = {});
  void fail_run(ServiceIndex i, const std::string& reason);

  const config::ProjectSpec& project_;
  const graph::DependencyGraph& graph_;
  Runner& runner_;
  Clock& clock_;
  Observer& observer_;
  EngineOptions options_;

  std::vector<ServiceRun> runs_;     // by service index, selected or not
  std::vector<ServiceIndex> order_;  // every service, dependencies first
  std::optional<Failure> failure_;
  std::optional<TimePoint> bring_up_at_;
  bool bring_up_open_ = false;  // bring-up began and something is still on its way up
  bool shutting_down_ = false;  // everything is wanted down: the run's outcome is settled
  bool done_ = false;           // on_done was reported
  std::size_t holding_ = 0;     // services the runner may hold processes of
  bool killing_ = false;        // kill_all() was asked: every stop is a SIGKILL now

  bool dispatching_ = false;
  std::deque<std::function<void()>> queued_;
  std::deque<ServiceIndex> to_examine_;
  std::vector<bool> queued_for_examine_;
};

}  // namespace summon::engine

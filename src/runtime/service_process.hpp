// One service at run time, over all its starts: each start's processes,
// output pumps and probe, moved through the table of process_state.hpp, and
// reported to the engine (RunnerEvents); its output history outlives them.
#pragma once

#include <sys/types.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/project_spec.hpp"
#include "engine/exit_status.hpp"
#include "graph/dependency_graph.hpp"
#include "runtime/backoff.hpp"
#include "runtime/output_history.hpp"
#include "runtime/output_pump.hpp"
#include "runtime/probe.hpp"
#include "runtime/process_state.hpp"
#include "runtime/service_host.hpp"

namespace summon::runtime {

class ServiceProcess {
 public:
  /// Service `index` of the run, defined by `spec`, run with `environment`.
  /// The host and spec must outlive it.
  ServiceProcess(ServiceHost& host, graph::ServiceIndex index, const config::ServiceSpec& spec,
                 config::EnvList environment);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  /// Spawns the service afresh, as Runner::start() says, if nothing of an
  /// earlier start runs (can_start); otherwise does nothing.
  void start();
  /// Sends `signal` to this start's processes and stops probing (a notify
  /// socket stays until the main process has ended). Reports on_stopped
  /// once none is left: at once if nothing runs, never twice for one start.
  void stop(int signal);
  /// stop(SIGKILL).
  void kill();
  /// After any child was reaped: reports `stopped` if the group has emptied.
  void check_group();

  ProcessState state() const { return state_; }
  /// What this start's probe saw last; empty before it saw anything.
  std::string last_probe_result() const;
  /// This start's main process, once spawned (until the next start).
  std::optional<pid_t> pid() const;
  /// The last lines of its output, over every start.
  std::deque<OutputLine> tail() const { return history_.tail(); }
  const config::EnvList& environment() const { return target_.environment; }

 private:
  struct Start;
  using Lines = std::span<const std::string_view>;

  bool change(ProcessEvent event);
  void report(std::function<void(engine::RunnerEvents&)> call);
  void start_failed(std::string why);
  std::optional<std::string> port_taken() const;
  void prepare_probe();
  void exec_known(std::optional<std::string> error);
  void watch_health();
  void stop_health();
  void start_output();
  void take_lines(Stream stream, Lines lines);
  void exited(int wait_status);
  void drop_probe();
  void drain_output();
  void wait_for_empty_group();

  ServiceHost& host_;
  graph::ServiceIndex index_;
  const config::ServiceSpec& spec_;
  ProbeTarget target_;
  ProcessState state_ = ProcessState::idle;
  OutputHistory history_;         // outlives every start's pumps
  std::unique_ptr<Start> start_;  // the latest start's own things; made anew by each
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace summon::runtime

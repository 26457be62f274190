// The engine's Runner on real processes: spawns each service, pumps its
// output, runs its probe, signals its process group, and reports on the
// engine's RunnerEvents.
#pragma once

#include <sys/types.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/environment.hpp"
#include "config/project_spec.hpp"
#include "engine/runner.hpp"
#include "runtime/cgroups.hpp"
#include "runtime/child_reaper.hpp"
#include "runtime/log_file.hpp"
#include "runtime/os_spawner.hpp"
#include "runtime/output_history.hpp"
#include "runtime/output_listener.hpp"
#include "runtime/probe.hpp"
#include "runtime/run_mark.hpp"
#include "runtime/service_host.hpp"

namespace summon::runtime {

class ServiceProcess;
using graph::ServiceIndex;

struct RunnerSettings {
  config::PortMap ports;             // picked for this run
  config::EnvList base_environment;  // summon's own environment
  std::string run_id;                // this run's id: its mark
  RunIdentity identity;              // who a process of this run may be, beside its mark
  // `--log-dir`: each service's output also to DIR/NAME.log
  std::shared_ptr<const LogFolder> log_folder;
  const CgroupTree* cgroups = nullptr;  // a leaf per service, if the machine allows
};

class ProcessRunner : public engine::Runner, private ServiceHost {
 public:
  /// Lines kept per service for a failure summary.
  static constexpr std::size_t tail_lines = OutputHistory::tail_lines;

  ProcessRunner(boost::asio::io_context& io, ChildReaper& reaper,
                const config::ProjectSpec& project, RunnerSettings settings,
                OutputListener& listener);
  ~ProcessRunner() override;

  /// Where reports go; set before the first start().
  void attach(engine::RunnerEvents& events) { events_ = &events; }

  void start(ServiceIndex i) override;
  void stop(ServiceIndex i, int signal) override;
  void kill(ServiceIndex i) override;
  std::string last_probe_result(ServiceIndex i) const override;

  /// Service i's main process of its latest start, once spawned (a restart's
  /// new one from its spawn on).
  std::optional<pid_t> pid(ServiceIndex i) const;
  /// The last lines of service i's output (at most tail_lines) over all its
  /// starts, oldest first, each with its stream.
  std::deque<OutputLine> tail(ServiceIndex i) const;
  /// The environment service i runs with.
  config::EnvList environment(ServiceIndex i) const;
  /// The environment service i is given, made afresh from the project: with
  /// `user:`, summon's own identity variables are that user's
  /// (environment_as_user), under whatever the file sets.
  config::EnvList service_environment(ServiceIndex i) const;
  /// What makes the services' processes; `summon run`'s command is made by
  /// it too.
  Spawner& process_spawner() { return spawner_; }

 private:
  // ServiceHost
  boost::asio::io_context& io() override { return io_; }
  engine::RunnerEvents& events() override { return *events_; }
  OutputListener& listener() override { return listener_; }
  ProbeContext& probe_context() override { return probe_context_; }
  Spawner& spawner() override { return spawner_; }
  const LogFolder* log_folder() const override { return settings_.log_folder.get(); }

  /// Service i's, made at its first use and kept across its restarts.
  ServiceProcess& service(ServiceIndex i);
  void check_groups();

  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  const config::ProjectSpec& project_;
  RunnerSettings settings_;
  OutputListener& listener_;
  ProbeContext probe_context_;
  OsSpawner spawner_;
  engine::RunnerEvents* events_ = nullptr;
  std::vector<std::unique_ptr<ServiceProcess>> services_;
};

}  // namespace summon::runtime

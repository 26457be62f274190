// What a ServiceProcess needs from the runner that owns it: the loop, where
// its reports go, and what its services share. ProcessRunner implements it;
// a unit test implements it with a fake Spawner.
#pragma once

#include <boost/asio/io_context.hpp>

#include "engine/runner.hpp"
#include "runtime/log_file.hpp"
#include "runtime/output_listener.hpp"
#include "runtime/probe.hpp"
#include "runtime/spawner.hpp"

namespace summon::runtime {

class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  /// The loop everything runs on.
  virtual boost::asio::io_context& io() = 0;
  /// Where reports go (the engine); set before the first start.
  virtual engine::RunnerEvents& events() = 0;
  /// Where output, status lines and warnings go.
  virtual OutputListener& listener() = 0;
  /// What the probes of the run share.
  virtual ProbeContext& probe_context() = 0;
  /// What makes the processes.
  virtual Spawner& spawner() = 0;
  /// `--log-dir`, or null.
  virtual const LogFolder* log_folder() const = 0;
};

}  // namespace summon::runtime

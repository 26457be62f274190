// `summon run`'s command, run the way a service's processes are: made by
// the same Spawner (in the run's own cgroup leaf, `run`), signalled only
// while provably its own, reaped by the same reaper, and stopped as a
// service is stopped: a signal, then SIGKILL once its timeout runs out.
// When it starts and what its end means (the run's exit code) stay the
// Stack's: it waits for no probe and its exit is the run's result, not a
// failure, so it is not one of the engine's services.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/spawner.hpp"

namespace summon::runtime {

/// What becomes of the command; each is called from the loop.
struct RunCommandEvents {
  std::function<void(pid_t pid)> started;              // it exec'd
  std::function<void(const std::string& why)> failed;  // it could not start
  std::function<void(int wait_status)> ended;          // it ran and ended
};

class RunCommand {
 public:
  RunCommand(boost::asio::io_context& io, Spawner& spawner);
  /// Whatever of it is still left is killed.
  ~RunCommand();
  RunCommand(const RunCommand&) = delete;
  RunCommand& operator=(const RunCommand&) = delete;

  /// Starts it once; `events` then say how it went.
  void start(SpawnRequest request, RunCommandEvents events);
  /// Whether it has been started and has not ended yet.
  bool running() const { return group_ && !ended_; }
  /// Passes `signal` on to it, as to a service's processes.
  void signal(int signal);
  /// Sends SIGTERM, and SIGKILL if it has not ended `timeout` later.
  void stop(std::chrono::steady_clock::duration timeout);

 private:
  void exec_known(const std::optional<std::string>& error);
  void exited(int wait_status);

  Spawner& spawner_;
  boost::asio::steady_timer kill_timer_;
  RunCommandEvents events_;
  std::unique_ptr<ProcessGroup> group_;
  bool ended_ = false;
};

}  // namespace summon::runtime

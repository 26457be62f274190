// RunCommand: `summon run`'s command on a ProcessGroup of the Spawner's.
#include "runtime/run_command.hpp"

#include <signal.h>

namespace summon::runtime {

RunCommand::RunCommand(boost::asio::io_context& io, Spawner& spawner)
    : spawner_(spawner), kill_timer_(io) {}

RunCommand::~RunCommand() {
  // A background job it left behind has no one else to end it.
  if (group_ && (!ended_ || group_->anything_left())) group_->signal(SIGKILL);
}

void RunCommand::start(SpawnRequest request, RunCommandEvents events) {
  events_ = std::move(events);
  SpawnEvents spawned;
  spawned.exec = [this](std::optional<std::string> error) { exec_known(error); };
  spawned.exit = [this](int wait_status) { exited(wait_status); };
  auto made = spawner_.spawn(std::string(run_command_name), std::move(request), std::move(spawned));
  if (auto* error = std::get_if<std::string>(&made)) {
    ended_ = true;
    events_.failed(*error);
    return;
  }
  group_ = std::move(std::get<std::unique_ptr<ProcessGroup>>(made));
}

void RunCommand::signal(int signal) {
  if (running()) group_->signal(signal);
}

void RunCommand::stop(std::chrono::steady_clock::duration timeout) {
  if (!running()) return;
  group_->signal(SIGTERM);
  kill_timer_.expires_after(timeout);
  kill_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) signal(SIGKILL);
  });
}

void RunCommand::exec_known(const std::optional<std::string>& error) {
  if (!error) {
    events_.started(group_->pid());
    return;
  }
  ended_ = true;
  events_.failed(*error);
}

void RunCommand::exited(int wait_status) {
  ended_ = true;
  kill_timer_.cancel();
  events_.ended(wait_status);
}

}  // namespace summon::runtime

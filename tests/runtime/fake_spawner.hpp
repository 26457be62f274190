// A Spawner that makes no process: each spawn is a FakeChild the test
// scripts ("exec'd", "exec failed", "printed", "exited", "group empty"), and
// which records the signals summon sent it.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/spawner.hpp"

namespace summon::test {

struct FakeChild {
  pid_t pid = 0;
  runtime::SpawnRequest request;
  runtime::SpawnEvents events;
  int out = -1, err = -1;    // its ends of the output pipes, while it lives
  std::vector<int> signals;  // what summon sent its processes, in order
  bool left = true;          // processes of it remain (for anything_left)
  bool ended = false;        // its main process ended
  bool released = false;     // summon let go of its group
  bool forgotten = false;    // summon dropped its group (a new start began)

  ~FakeChild() { close_output(); }

  /// Writes `text` to its stdout (or stderr).
  void print(std::string_view text, bool to_stderr = false) {
    const int fd = to_stderr ? err : out;
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void exec_ok() { events.exec(std::nullopt); }
  void exec_failed(std::string why) {
    close_output();
    events.exec(std::move(why));
  }
  /// Its main process ended with `code`; what it started stays until `left` is false.
  void exit(int code) { end(code << 8); }
  void killed_by(int signal) { end(signal); }

  void close_output() {
    for (int* fd : {&out, &err})
      if (*fd >= 0) ::close(std::exchange(*fd, -1));
  }

 private:
  void end(int wait_status) {
    close_output();
    ended = true;
    events.exit(wait_status);
  }
};

class FakeGroup : public runtime::ProcessGroup {
 public:
  explicit FakeGroup(std::shared_ptr<FakeChild> child) : child_(std::move(child)) {}
  ~FakeGroup() override { child_->forgotten = true; }
  pid_t pid() const override { return child_->pid; }
  bool main_ended() const override { return child_->ended; }
  void signal(int signal) override { child_->signals.push_back(signal); }
  bool anything_left() const override { return child_->left; }
  bool owns(pid_t sender) const override { return sender == child_->pid; }
  void release() override { child_->released = true; }

 private:
  std::shared_ptr<FakeChild> child_;
};

class FakeSpawner : public runtime::Spawner {
 public:
  std::variant<std::unique_ptr<runtime::ProcessGroup>, std::string> spawn(
      const std::string& service, runtime::SpawnRequest request,
      runtime::SpawnEvents events) override {
    (void)service;
    if (refuse) return *std::exchange(refuse, std::nullopt);
    auto child = std::make_shared<FakeChild>();
    child->pid = next_pid++;
    child->out = ::dup(request.stdout_fd);
    child->err = ::dup(request.stderr_fd);
    child->request = std::move(request);
    child->events = std::move(events);
    children.push_back(child);
    return std::make_unique<FakeGroup>(child);
  }

  /// The latest child.
  FakeChild& child() {
    REQUIRE(!children.empty());
    return *children.back();
  }

  std::vector<std::shared_ptr<FakeChild>> children;
  std::optional<std::string> refuse;  // the next spawn fails so
  pid_t next_pid = 4242;
};

}  // namespace summon::test

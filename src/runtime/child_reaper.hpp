// Every child summon has, reaped in one place: the services' main processes,
// exec probes, a `run` command, and orphaned descendants that come back to
// summon as their subreaper.
#pragma once

#include <sys/types.h>

#include <functional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace summon::runtime {

class ChildReaper {
 public:
  using OnExit = std::function<void(int wait_status)>;

  /// Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER: orphaned
  /// descendants of its children are re-parented to it rather than to init)
  /// and reaps every child that ends, on SIGCHLD. Create one, on the loop
  /// that runs everything, before the first spawn.
  explicit ChildReaper(boost::asio::io_context& io);
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  /// Calls `on_exit` once, from the loop, when child `pid` has ended, with
  /// its waitpid status. Call it right after the spawn (before the loop runs
  /// again).
  void watch(pid_t pid, OnExit on_exit);
  /// Stops watching `pid`; its end is then reaped silently.
  void forget(pid_t pid);
  /// Called after each round of reaping, whoever ended (orphans included):
  /// the moment to check whether a process group has emptied.
  void set_on_reaped(std::function<void()> listener) { on_reaped_ = std::move(listener); }
  /// Whether `pid` is being watched (a child summon started and still waits for).
  bool watches(pid_t pid) const { return watched_.count(pid) > 0; }
  /// Whether child `pid` has ended, even if not reaped yet; never reaps it.
  static bool has_ended(pid_t pid);

 private:
  void wait_for_signal();
  void reap();

  boost::asio::signal_set sigchld_;
  std::unordered_map<pid_t, OnExit> watched_;
  std::function<void()> on_reaped_;
};

}  // namespace summon::runtime

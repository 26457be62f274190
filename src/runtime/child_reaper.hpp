// Every child summon has, reaped in one place: the services' main processes,
// exec probes, a `run` command, and (as the summon program) orphaned
// descendants that come back to summon as their subreaper.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace summon::runtime {

/// Which children a ChildReaper reaps.
enum class Reaping {
  /// Every child of the process, on SIGCHLD, orphans included: summon is
  /// the program and owns the process.
  every_child,
  /// Only the children it watches, each through a pidfd: summon is a
  /// library inside someone else's program, whose own children (and its
  /// SIGCHLD disposition) are not summon's business.
  own_children,
};

class ChildReaper {
 public:
  using OnExit = std::function<void(int wait_status)>;

  /// every_child: makes this process a child subreaper
  /// (PR_SET_CHILD_SUBREAPER: orphaned descendants of its children are
  /// re-parented to it rather than to init) and reaps every child that ends,
  /// on SIGCHLD. own_children: neither; touches no process-wide setting and
  /// reaps only the pids given to watch(). Create one, on the loop that runs
  /// everything, before the first spawn.
  explicit ChildReaper(boost::asio::io_context& io, Reaping how = Reaping::every_child);
  /// Calls no callback from now on. own_children: kills and reaps every
  /// child it still has (forgotten ones included), so that none is left to
  /// the host as a zombie.
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  /// Calls `on_exit` once, from the loop, when child `pid` has ended, with
  /// its waitpid status. Call it right after the spawn (before the loop runs
  /// again). own_children: if other code of the process reaped `pid` first
  /// (a waitpid(-1) of the host's), the status is lost and reported as exit
  /// code 255.
  void watch(pid_t pid, OnExit on_exit);
  /// Stops watching `pid`; its end is then reaped silently (in both modes:
  /// a forgotten child never stays a zombie).
  void forget(pid_t pid);
  /// Called after each round of reaping, whoever ended (orphans included):
  /// the moment to check whether a process group has emptied.
  void set_on_reaped(std::function<void()> listener) { on_reaped_ = std::move(listener); }
  /// Whether `pid` is being watched (a child summon started and still waits for).
  bool watches(pid_t pid) const { return watched_.count(pid) > 0; }
  /// Whether orphans are re-parented to this process (every_child only):
  /// without that, a child of the process that summon did not start is
  /// someone else's.
  bool adopts() const { return how_ == Reaping::every_child; }
  /// Whether child `pid` has ended, even if not reaped yet; never reaps it.
  static bool has_ended(pid_t pid);

 private:
  struct OwnChild;

  void wait_for_signal();
  void reap();
  void wait_for_end(pid_t pid, OwnChild& child);
  void reap_own(pid_t pid);

  boost::asio::io_context& io_;
  Reaping how_;
  std::optional<boost::asio::signal_set> sigchld_;  // every_child only
  std::unordered_map<pid_t, OnExit> watched_;
  /// own_children: every child watched and not yet reaped, forgotten or not.
  std::unordered_map<pid_t, std::unique_ptr<OwnChild>> own_;
  std::function<void()> on_reaped_;
  /// Gone with the reaper: a wait that completes afterwards does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace summon::runtime

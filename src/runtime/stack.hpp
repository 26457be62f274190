// A whole run on the real loop: the engine, the process runner, signals,
// and for `summon run` the command in the middle. The CLI's `up` and `run`
// and the C++ library are thin layers over this.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/environment.hpp"
#include "config/project_spec.hpp"
#include "engine/engine.hpp"
#include "engine/observer.hpp"
#include "graph/dependency_graph.hpp"
#include "runtime/asio_clock.hpp"
#include "runtime/cgroups.hpp"
#include "runtime/child_reaper.hpp"
#include "runtime/guardian.hpp"
#include "runtime/log_file.hpp"
#include "runtime/output_listener.hpp"
#include "runtime/process_runner.hpp"
#include "runtime/run_command.hpp"
#include "runtime/status_board.hpp"
#include "timeline/recorder.hpp"

namespace summon::runtime {

struct StackOptions {
  engine::EngineOptions engine;
  config::PortMap ports;  // the ports the project was loaded with
  // `--log-dir`, opened and checked (LogFolder::open) before anything starts.
  std::shared_ptr<const LogFolder> log_folder;
  // Inside another program (the library): no signal handling, only its own
  // children reaped, and stopped by request_stop().
  bool embedded = false;
};

/// Reports, in order, everything the engine reports, plus the run command's
/// own life.
class StackObserver : public engine::Observer {
 public:
  /// `summon run`'s command was started (or could not be: `error`).
  virtual void on_command_started(pid_t pid) { (void)pid; }
  virtual void on_command_failed(const std::string& error) { (void)error; }
  /// `summon run`'s command ended, before the teardown it starts: its
  /// waitpid status.
  virtual void on_command_ended(int wait_status) { (void)wait_status; }
  /// A first stop signal (SIGINT, SIGTERM, SIGHUP) arrived; teardown begins.
  virtual void on_stopping(int signal) { (void)signal; }
  /// The guardian (pid `pid`) died: nothing would clean up after a death of
  /// summon's now, so everything is torn down, and the run ends with code 1.
  virtual void on_guardian_lost(pid_t pid) { (void)pid; }
};

class Stack : private engine::Observer, private OutputListener {
 public:
  /// The project, graph and listeners must outlive the stack; `observer` and
  /// `listener` are the first of each (add_observer, add_listener).
  Stack(const config::ProjectSpec& project, const graph::DependencyGraph& graph,
        std::vector<graph::ServiceIndex> selected, StackOptions options, StackObserver& observer,
        OutputListener& listener);
  ~Stack() override;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  /// `summon up`: brings the services up and holds them until SIGINT,
  /// SIGTERM or SIGHUP (or a failure), then tears down. Returns the exit code.
  /// Embedded: no signal is handled; they are held until request_stop().
  int up();
  /// `summon run`: brings the services up, runs `command` in summon's own
  /// process group with the run environment, tears down when it ends, and
  /// returns its exit code (128+N for signal N), or 1 if a service failed.
  int run(const std::vector<std::string>& command);

  // Safe to call from another thread while up() or run() runs on this one
  // (the only members that are); not during the stack's destruction.

  /// Begins an ordered teardown, as a first SIGTERM would: up() or run()
  /// returns once it is over. Before they start, the teardown follows at once
  /// after bring-up begins; after they have returned, it does nothing.
  void request_stop();
  /// Runs `task` on the loop's thread, with the engine, between two events:
  /// how another thread gives the engine a command (engine.restart(i)) or
  /// reads what only the loop may read. Tasks run in the order they were
  /// posted. One posted before up() or run() runs once they start; one
  /// posted after the loop has ended never runs, and is destroyed with the
  /// stack.
  void post(std::function<void(engine::Engine&)> task);

  const engine::Engine& engine() const { return *engine_; }
  const ProcessRunner& runner() const { return *runner_; }
  /// What every service is now and what it said lately, kept before any
  /// observer or listener hears of a change.
  const StatusBoard& board() const { return *board_; }
  StatusBoard& board() { return *board_; }
  /// The same, to keep after the stack is gone (the library's session does).
  std::shared_ptr<const StatusBoard> shared_board() const { return board_; }
  /// The last bring-up (SPEC 2.3), recorded before any observer hears of a change.
  timeline::Timeline timeline() const { return recorder_.last(); }

  // From the loop's thread, or before up() or run().
  /// The ports picked for this run, by name.
  const config::PortMap& ports() const { return options_.ports; }
  /// The run's cgroup tree (not enabled where the machine has none).
  const CgroupTree& cgroups() const { return cgroups_; }
  /// What cleans up after summon's death; it may be given more to clean.
  Guardian& guardian() { return guardian_; }
  /// The loop everything of this run happens on.
  boost::asio::io_context& io() { return io_; }
  /// More consumers of the reports and the output, after the first; each
  /// must outlive the stack or be removed first.
  void add_observer(StackObserver& observer) { observers_.push_back(&observer); }
  void remove_observer(StackObserver& observer);
  void add_listener(OutputListener& listener) { listeners_.push_back(&listener); }
  void remove_listener(OutputListener& listener);

 private:
  void on_change(const engine::StateChange& change) override;
  void on_all_ready(std::size_t services, engine::Duration since_bring_up) override;
  void on_failure(const engine::Failure& failure) override;
  void on_done(int exit_code, engine::Duration since_bring_up) override;

  // OutputListener: kept on the board, then handed on.
  void on_lines(graph::ServiceIndex i, Stream stream,
                std::span<const std::string_view> lines) override;
  void on_status(graph::ServiceIndex i, std::string_view text) override;
  void on_notice(graph::ServiceIndex i, std::string_view text) override;
  void on_warning(graph::ServiceIndex i, std::string_view text) override;
  void flush() override;

  template <class Call>
  void tell_observers(Call call);

  int loop();
  void wait_for_signal();
  void watch_guardian();
  void on_signal(int signal);
  void start_command();
  bool command_running() const;
  void command_failed(const std::string& error);
  void command_ended(int wait_status);
  void finish_if_over();

  const config::ProjectSpec& project_;
  StackOptions options_;
  std::vector<StackObserver*> observers_;
  std::vector<OutputListener*> listeners_;
  std::shared_ptr<StatusBoard> board_;
  timeline::Recorder recorder_;
  std::string run_id_;    // the mark of every process of this run
  RunIdentity identity_;  // who else a process of this run must be

  Guardian guardian_;   // first: forked before the loop and its descriptors exist
  CgroupTree cgroups_;  // emptied and removed after everything else has ended
  boost::asio::io_context io_;
  ChildReaper reaper_;  // after options_: embedded or not decides how it reaps
  AsioClock clock_;
  std::optional<boost::asio::signal_set> signals_;        // not when embedded
  boost::asio::posix::stream_descriptor guardian_watch_;  // readable if the guardian dies
  /// Embedded, the loop has nothing else to wait for once all is up.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy_;
  std::unique_ptr<ProcessRunner> runner_;
  std::unique_ptr<engine::Engine> engine_;

  std::vector<std::string> command_;
  std::optional<RunCommand> command_process_;  // once everything is up
  std::optional<int> command_code_;
  int signals_seen_ = 0;
  int first_signal_ = 0;
  bool done_ = false;
  bool guardian_lost_ = false;
  int exit_code_ = 0;
};

}  // namespace summon::runtime

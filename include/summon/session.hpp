// A Session is a project brought up: its constructor returns once every
// service is ready, its destructor stops them all, and in between you can
// ask where they are, and stop, start or restart one of them. It is `summon
// up` as an object, on the same engine.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "summon/errors.hpp"
#include "summon/project.hpp"

namespace summon {

/// Every field has a default, so designated initializers may name any few:
/// `summon::Options{.timeout = std::chrono::seconds(5)}`.
struct Options {
  /// Bring up only these services and what they depend on. Empty: all.
  std::vector<std::string> services = {};
  /// Replaces every probe's own timeout, as `summon up --timeout` does.
  std::optional<std::chrono::milliseconds> timeout = {};
  /// Also append each service's output, byte for byte as it wrote it, to
  /// FOLDER/NAME.log (the folder is made if missing). A folder that is a
  /// symbolic link, is owned by another user, or can be written by others
  /// without the sticky bit makes the constructor throw Error before anything
  /// starts. A log file that cannot be used (a link, not a regular file of
  /// yours) or written (a full disk) loses that service's output from then
  /// on: said at once on stderr (`[summon] web: log file ...`) and by stop().
  std::string log_dir = {};
  /// Copy each line the services write to stderr, as `NAME | line`.
  bool echo = false;
};

/// Where a service stands (SPEC 3): pending → starting → started → ready,
/// then stopping → stopped; `completed` when it exited with code 0;
/// `failed` and `skipped` when it or a dependency failed.
enum class State {
  pending,
  starting,
  started,
  ready,
  unhealthy,  // was ready; its `alive` probe or watchdog says it no longer is
  completed,
  stopping,
  backoff,  // waits out its restart delay
  stopped,
  failed,
  skipped
};

/// "ready", "stopped", ...: the names `summon up` prints.
std::string_view state_name(State state);

/// Thread safety: the const members (port, state, pid, restarts, output,
/// environment, wait_for) and the commands on one service (start, stop,
/// restart) may be called from any thread, at the same time as each other
/// and while the services run: a command is handed to the session's own
/// thread, which runs the services, and the caller waits for what it
/// reports. Construction, stop(), moves and destruction are one thread's
/// business; a stop() from it ends the waits of the others (see each
/// command for how). Sessions are independent of each other:
/// several may run in one process, from several threads.
///
/// Processes: every service runs in its own process group (and, where the
/// machine allows, its own cgroup); summon reaps only the processes it
/// started, installs no signal handler in your program, and leaves your
/// program's own children alone. In return, your program must leave
/// summon's alone: no SIGCHLD set to SIG_IGN or SA_NOCLDWAIT (the
/// constructor refuses those), and no waitpid(-1) or wait() while a session
/// runs, which could reap a service before summon sees how it ended. If your
/// program dies without stopping a session (a crash, SIGKILL, an uncaught
/// Ctrl-C), a small guardian process it forked at the start kills what the
/// session started.
class Session {
 public:
  /// Brings up the project's services (or `options.services` and their
  /// dependencies), each as soon as its dependencies are, and returns when
  /// every one is ready (or, for a one-shot task, completed). Throws
  /// ConfigError if the project is invalid, StartError (after stopping
  /// whatever had started) if bring-up failed, and Error if the session
  /// cannot run at all (no free port, SIGCHLD ignored).
  explicit Session(const Project& project, Options options = {});
  /// Stops every service in reverse dependency order and waits until none of
  /// their processes is left, as `summon up` does on Ctrl-C. Never throws;
  /// call stop() first to hear about problems.
  ~Session();
  /// A moved-from session holds nothing: its destructor and stop() do
  /// nothing, and its queries throw std::logic_error.
  Session(Session&& other) noexcept;
  /// Stops this session's services first (as the destructor does, without
  /// throwing).
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Stops everything now, as the destructor would, and throws StopError if
  /// a service had exited on its own after it was ready or had to be killed,
  /// or if output was lost from a log file (Options::log_dir); a failure
  /// that restart() or start() has already thrown is not told again.
  /// Later calls do nothing.
  void stop();

  // Commands on one service, while the others keep running: what `summon
  // stop NAME`, `summon start NAME` and `summon restart NAME` do (SPEC 2),
  // for a test of how a client lives through its server's restart. Each
  // returns once it is done. The one-service stop is an overload of stop():
  // `stop("db")` reads as the command it is, beside `start("db")` and
  // `restart("db")`, and it never ends the session as stop() does. A name
  // that is not in this session throws std::out_of_range; after stop(),
  // or once the session has ended on its own, restart() and start() throw
  // Error, and stop(name) returns at once.

  /// Stops service `name` (its stop signal, then SIGKILL after its stop
  /// timeout), after its dependents that hold it with `restart: true`; the
  /// other dependents keep running. Returns once it is `stopped`, or at once
  /// if it had ended already (stopped, completed, failed or skipped). It
  /// stays down until start() or restart().
  void stop(std::string_view name);
  /// Starts service `name` again after stop() (or after it ended), with
  /// whatever it depends on that is not running, and returns once it and
  /// they are ready (a one-shot task: completed); at once if they are
  /// already (a ready or unhealthy service is left as it is). Throws
  /// StartError if it, or one of what it depends on, fails on the way
  /// (cannot start, exits, its probe fails, its `ready` timeout passes), or
  /// if they are not all ready within the sum of the stop and `ready`
  /// timeouts of it and of what it depends on (as Options::timeout sets
  /// them). Its what() is the summary of the service that failed, or is
  /// late, as the constructor's; the other services keep running, and the
  /// session stays usable (a late service is still being waited for).
  void start(std::string_view name);
  /// Stops service `name` (after its dependents that hold it with `restart:
  /// true`) and starts it again at once, then those dependents; returns once
  /// `name` itself is ready again, that is once its `ready` probe has held
  /// for the new process (wait_for() the dependents if you need them). A
  /// service that is not running is started; one still on its way up
  /// (pending or starting) is not restarted, and restart() waits until it
  /// is ready. Throws as start() does.
  void restart(std::string_view name);
  /// Waits until service `name` is in `state` and returns true: at once if it
  /// is in it now, else as soon as a change brings it there, even if it has
  /// left it again by the time you look. False if `timeout` passes first, or
  /// at once if the session has ended (or ends: stop() on another thread)
  /// without it coming there. Waits on the reports of the session's thread:
  /// nothing is polled.
  [[nodiscard]] bool wait_for(std::string_view name, State state,
                              std::chrono::milliseconds timeout) const;

  // Queries. They keep answering after stop() (every service `stopped`, no
  // pid, the output as it ended). A service name that is not in this
  // session (unknown, or left out by Options::services) throws
  // std::out_of_range.

  /// The port picked for `ports:` entry (or Project::port) `name`.
  /// Throws std::out_of_range for a name that is not declared.
  int port(std::string_view name) const;
  /// Where service `name` stands now.
  State state(std::string_view name) const;
  /// The pid of service `name`'s main process (it leads its process group)
  /// while that process runs; nullopt before it starts and after it ends.
  std::optional<pid_t> pid(std::string_view name) const;
  /// How many times service `name` was restarted in this session, by
  /// restart() or by its `restart` policy (SPEC 1.5).
  int restarts(std::string_view name) const;
  /// Everything of service `name`'s output read so far, one '\n' per line
  /// (the last 10,000 lines and 8 MiB at most, as `summon logs` keeps).
  /// stdout and stderr are separate pipes read as they come, so lines of the
  /// two may arrive in another order than they were written; and a line can
  /// arrive just after a state change it preceded. To wait for a line, use a `log` probe.
  std::string output(std::string_view name) const;
  /// The environment `summon run` gives its command: your program's own,
  /// then the project's `env`, then SUMMON_PORT_<NAME> for each port.
  std::map<std::string, std::string> environment() const;

  class Impl;  // the library's own

 private:
  const Impl& impl() const;
  Impl& impl();
  std::unique_ptr<Impl> impl_;
};

}  // namespace summon

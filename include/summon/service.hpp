// A service declared in C++: what a service under `services:` says in a file
// (SPEC 1.2), built by chaining.
//
//     summon::service("web", {"python3", "-m", "http.server", "${ports.web}"})
//         .ready(summon::http("http://127.0.0.1:${ports.web}/"))
//         .depends_on("db");
//
// A service is a value; copy it freely. Nothing is checked until the project
// it belongs to is used; problems are then reported at the line where
// service() was called.
#pragma once

#include <chrono>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "summon/probe.hpp"

namespace summon {

/// When a dependency counts as met (SPEC 1.4).
enum class Condition {
  started,    // its process was spawned
  ready,      // its probe held (with no probe: started)
  completed,  // it exited with code 0: a one-shot task such as a migration
};

/// What happens when a service's main process ends on its own, not by its
/// stop signal (SPEC 1.5).
enum class Restart {
  no,          // it is reported, and stays down
  on_failure,  // started again after a non-zero exit, a signal, or alive() or
               // watchdog() finding it dead
  always,      // started again whenever it ended, also with code 0
};

class Service {
 public:
  /// When it counts as ready; without a probe, as soon as it has started.
  Service& ready(Probe probe);
  /// Starts only once `service` meets `condition`.
  Service& depends_on(std::string service, Condition condition = Condition::ready);
  /// Sets a variable in its environment (and its probes').
  Service& env(std::string name, std::string value);
  /// Its working folder; relative to the project's folder. Default: that folder.
  Service& cwd(std::string folder);
  /// How it is stopped: `signal`, then SIGKILL after `timeout`.
  /// Default SIGTERM and 10 s.
  Service& stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Runs it (and its probes) as this user; the program must run as root.
  Service& user(std::string name);

  // Supervision (SPEC 1.5): the keys restart, max_restarts, backoff, alive
  // and watchdog of a services file.

  /// Whether it is started again when its main process ends on its own.
  /// Default Restart::no.
  Service& restart(Restart policy);
  /// After `count` restarts in a row it has failed (0: at its first
  /// failure). Default: unlimited.
  Service& max_restarts(int count);
  /// The delay before each restart in a row: `initial` before the first,
  /// doubling after each up to `max` (not less than `initial`). The row ends
  /// once it has stayed ready for the longer of `max` and 10 s. Default
  /// 100 ms and 30 s.
  Service& backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
  /// Checks it from ready on with `probe`, of kind tcp, http, exec or unix:
  /// an attempt every `probe.interval()` (here default 10 s), each limited
  /// by `probe.timeout()` (here default 5 s). After `failures` failed
  /// attempts in a row it is `unhealthy`: under a restart policy it is
  /// stopped and restarted, otherwise it keeps running until an attempt
  /// holds again.
  Service& alive(Probe probe, int failures = 3);
  /// With a notify() ready probe: it must send WATCHDOG=1 at least once every
  /// `period` (it is told so by WATCHDOG_USEC and WATCHDOG_PID), or it is
  /// `unhealthy` as with alive(); WATCHDOG=trigger makes it so at once.
  Service& watchdog(std::chrono::milliseconds period);

  const std::string& name() const;

  class Impl;  // the library's own

 private:
  explicit Service(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  Impl& own();  // copy on write: a copied Service never changes the original
  std::shared_ptr<Impl> impl_;
  friend struct ServiceAccess;
};

/// A service run directly from `command` (argv[0] looked up in PATH); nothing
/// in it is interpreted by a shell. `${...}` is interpolated.
Service service(std::string name, std::vector<std::string> command,
                std::source_location where = std::source_location::current());
/// A service run by `/bin/sh -c TEXT`.
Service service(std::string name, ShellCommand command,
                std::source_location where = std::source_location::current());

}  // namespace summon

// A readiness probe at work (SPEC 1.3): one object per service that has a
// `ready:` key, made from the config's Probe and watched on the loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "config/project_spec.hpp"
#include "runtime/child_reaper.hpp"
#include "runtime/output_stream.hpp"
#include "runtime/spawn.hpp"

namespace summon::runtime {

/// The service a probe watches.
struct ProbeTarget {
  std::string service;              // its name: for messages and socket names
  config::EnvList environment;      // the service's whole environment (exec probes get it)
  std::string cwd;                  // its working directory (exec probes run there)
  std::optional<std::string> user;  // exec probes run as this user too
  /// Whether process `pid` is one of the service's (a notify sender); set
  /// by the runner, valid while the service runs.
  std::function<bool(pid_t pid)> owns;
};

/// What the probes of one run share.
struct ProbeContext {
  boost::asio::io_context& io;
  ChildReaper& reaper;      // exec probes' processes
  std::string cgroup;       // where exec probes run; empty: summon's own cgroup
};

/// How a probe reports. `ready` and `failed` are called from the loop, never
/// from inside a Probe method, and at most one of them, at most once. The
/// optional ones are called from the loop too, as often as the service
/// says so; any of them may destroy the probe.
struct ProbeEvents {
  std::function<void()> ready;
  /// Failed for good (not "not yet"): `why` reads after "NAME: ",
  /// e.g. "closed fd 3 without writing a newline".
  std::function<void(std::string why)> failed;
  /// Optional: what the service says of itself on the way (notify's
  /// `STATUS=` lines), shown to the user as it comes; may be called often.
  std::function<void(std::string text)> status;
  /// Optional: something the user should know that is not the probe's
  /// verdict ("ignored a notify message from pid 42: not a process of db").
  std::function<void(std::string text)> notice;

  // What a notify probe hears beside READY=1 and STATUS= (SPEC 1.5). Its
  // socket is read for as long as the probe lives, before ready and after.

  /// Optional: WATCHDOG=1, the service is alive; for its Watchdog's ping().
  std::function<void()> watchdog;
  /// Optional: WATCHDOG=trigger, the service asks to be treated as hung
  /// now; for its Watchdog's trigger().
  std::function<void()> watchdog_trigger;
  /// Optional, before ready only: EXTEND_TIMEOUT_USEC=N, the readiness
  /// deadline should be at least `extra` from now (on_deadline_extended).
  std::function<void(std::chrono::microseconds extra)> extend;
  /// Optional: ERRNO=N, the service's own account of why it fails; the
  /// last one is worth keeping for the note of its exit (errno_note()).
  std::function<void(int error)> error_number;
};

/// The lifecycle: prepare() before the spawn, start() once the process runs,
/// line() for each line of its output, then destruction, which stops
/// everything at once: no event fires afterwards, any probe process (exec) is
/// killed with its group, and every descriptor is closed. A probe keeps
/// trying until it holds, fails for good, or is destroyed; the deadline
/// (`timeout`) is the engine's, not the probe's.
class Probe {
 public:
  virtual ~Probe() = default;

  /// Before the service is spawned: adds what the service needs to the
  /// request (NOTIFY_SOCKET in its environment, a pipe at fd N) and notes
  /// what it must compare against later (the file's state). The probe owns
  /// any descriptor it hands over and closes its copy in start() or on
  /// destruction. Returns why the service cannot start, if it cannot.
  virtual std::optional<std::string> prepare(SpawnRequest& request) {
    (void)request;
    return std::nullopt;
  }
  /// The service was spawned: begin watching.
  virtual void start() = 0;
  /// One line of the service's output, ANSI codes removed (log probes).
  virtual void line(Stream stream, std::string_view text) {
    (void)stream;
    (void)text;
  }
  /// Whether the probe stays while the service is being stopped, until its
  /// main process has ended: a notify socket, which servers still write to
  /// as they stop (STOPPING=1). Others go as soon as the stop begins.
  virtual bool stays_while_stopping() const { return false; }
  /// What the probe saw last, for a timeout message: "tcp 127.0.0.1:5432:
  /// connection refused", "http 127.0.0.1:8080/health: status 503",
  /// "log: 1 of 2 matching lines seen". Empty if it has seen nothing yet.
  virtual std::string last_result() const = 0;
};

/// The probe for `spec`. The target and context must outlive it.
std::unique_ptr<Probe> make_probe(const config::Probe& spec, const ProbeTarget& target,
                                  ProbeContext& context, ProbeEvents events);

}  // namespace summon::runtime

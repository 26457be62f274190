// One attempt of a polled probe (tcp, http, unix, exec): a connect, a
// request, a run of the command, bounded by a timeout. A readiness probe
// repeats attempts until one holds (make_polled_probe); a liveness check
// repeats them for as long as the service runs (AliveCheck).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "runtime/probe.hpp"

namespace summon::runtime {

/// How an attempt ended.
struct AttemptResult {
  enum class Outcome {
    held,    // the probe holds: connected, an accepted status, exit code 0
    failed,  // it does not, this time
    broken,  // no attempt can ever hold: the exec probe's command cannot be spawned
  };
  Outcome outcome = Outcome::failed;
  /// What was seen, as last_result() says it: "tcp 127.0.0.1:5432:
  /// connection refused", "http 127.0.0.1:8080/health: status 503",
  /// "exec pg_isready: timed out after 5s".
  std::string text;

  bool held() const { return outcome == Outcome::held; }
};

/// Runs attempts one at a time. Destruction ends the one under way at once:
/// its `done` is never called, an exec attempt's process group is killed,
/// and its descriptors are closed. Between attempts it holds no timer, no
/// descriptor that is waited on, and no process.
class ProbeAttempt {
 public:
  using Done = std::function<void(AttemptResult result)>;

  virtual ~ProbeAttempt() = default;

  /// Why no attempt can ever run (an http URL or body pattern that is not
  /// valid), worded for "NAME: ": a readiness probe refuses the service
  /// with it before the spawn. nullopt if attempts can run.
  virtual std::optional<std::string> invalid() const { return std::nullopt; }
  /// Begins one attempt that ends within `timeout` (past it: a failure
  /// "... no answer within 2s", or an exec command killed with its group,
  /// "... timed out after 2s"). `done` is called once, from the loop, never
  /// from inside run(); it may destroy this object. Not while an attempt is
  /// under way.
  virtual void run(config::Duration timeout, Done done) = 0;
};

/// The attempts of each polled kind. The target and context must outlive them.
std::unique_ptr<ProbeAttempt> make_tcp_attempt(const config::TcpProbe& spec,
                                               const ProbeTarget& target, ProbeContext& context);
std::unique_ptr<ProbeAttempt> make_http_attempt(const config::HttpProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context);
std::unique_ptr<ProbeAttempt> make_unix_attempt(const config::UnixProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context);
std::unique_ptr<ProbeAttempt> make_exec_attempt(const config::ExecProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context);
/// The attempt of `spec`'s kind, or nullptr when it is not a polled kind
/// (log, file, notify, fd, all).
std::unique_ptr<ProbeAttempt> make_attempt(const config::Probe& spec, const ProbeTarget& target,
                                           ProbeContext& context);

/// A readiness probe made of attempts: the first at start(), each next one
/// after next_attempt_delay() (at most `interval`), each limited to 5 s.
/// Ready when one holds; failed for good when one is broken; prepare()
/// refuses the service when the attempt is invalid().
std::unique_ptr<Probe> make_polled_probe(std::unique_ptr<ProbeAttempt> attempt,
                                         config::Duration interval, ProbeContext& context,
                                         ProbeEvents events);

}  // namespace summon::runtime

// What the library throws. Every error is a summon::Error, itself a
// std::runtime_error, so `catch (const std::exception&)` sees them all and a
// test framework prints what() when one escapes a test. Their text never
// shows a secret value of the project or a URL's password: those read `***`
// (SPEC 3.5); only the services' own output lines are quoted as written.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace summon {

/// The base of every error below.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One problem in a configuration. For a file it is where the problem is in
/// that file; for services declared in C++ it is where the `service(...)`
/// (or `Project`) in question was written. Line 0 means "no position".
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
};

/// The configuration is invalid: a file that does not load, an unknown
/// dependency, a cycle, a probe that cannot hold, an unknown service asked
/// for. Carries every problem found, not only the first; what() is all of
/// them, one `FILE:LINE:COL: error: MESSAGE` per line, as `summon check`
/// prints them.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// Bring-up failed: a service could not start, exited before it was ready,
/// or was not ready in time. Everything that had started has been stopped
/// by the time this is thrown. what() is the summary `summon up` prints:
///
///     summon: error: db: exited with code 1 before it was ready
///     last 2 lines of db:
///       db | FATAL: data directory "./data" does not exist
///       db | ...
class StartError : public Error {
 public:
  StartError(std::string service, std::string reason, std::string summary);
  /// The service that failed.
  const std::string& service() const { return service_; }
  /// Why, without the service's name: "exited with code 1 before it was ready".
  const std::string& reason() const { return reason_; }

 private:
  std::string service_;
  std::string reason_;
};

/// Session::stop() found that something went wrong while the services ran
/// or stopped: a service exited on its own after it was ready, needed
/// SIGKILL because it outlived its stop timeout, or lost output from its log
/// file (Options::log_dir). Everything is stopped all the same. what()
/// names each service and what happened, one per line.
class StopError : public Error {
 public:
  using Error::Error;
};

}  // namespace summon

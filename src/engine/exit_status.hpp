// How a service's main process ended, as the runner reports it.
#pragma once

#include <string>

namespace summon::engine {

struct ExitStatus {
  int code = 0;    // the exit code, when signal is 0
  int signal = 0;  // the signal that ended the process; 0 if it exited
  /// The process ended because summon stopped it (its stop signal, or
  /// SIGKILL after the stop timeout): a clean stop, whatever code or signal.
  bool by_stop_signal = false;
  /// What the service said of its own failure, if anything: for sd_notify's
  /// `ERRNO=98`, "ERRNO=98: Address already in use". Shown after the exit.
  std::string note;

  /// Exited by itself with code 0.
  bool success() const { return signal == 0 && code == 0; }
};

/// "exited with code 1", or "was killed by signal SEGV" ("signal 42" for a
/// number without a name).
std::string describe(const ExitStatus& status);

}  // namespace summon::engine

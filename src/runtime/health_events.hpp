// How the checks of a ready service (AliveCheck, Watchdog) report.
#pragma once

#include <functional>
#include <string>

namespace summon::runtime {

/// Called from the loop, never from inside a method of the check; either may
/// destroy the check. They alternate: unhealthy first, then healthy, then
/// unhealthy again, and so on.
struct HealthEvents {
  /// The service is unhealthy; `why` reads after "NAME unhealthy: ":
  /// "http 127.0.0.1:8080/health: status 503 (3 in a row)",
  /// "no WATCHDOG=1 for 2s".
  std::function<void(std::string why)> unhealthy;
  /// After unhealthy: it is healthy again.
  std::function<void()> healthy;
};

}  // namespace summon::runtime

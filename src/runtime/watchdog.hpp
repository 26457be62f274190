// The sd_notify watchdog of a ready service (SPEC 1.5 `watchdog: D`, with
// `ready: {notify: true}`), as systemd's WatchdogSec= has it: the service
// is told D in WATCHDOG_USEC, and must send WATCHDOG=1 at least every D.
//
// How the owner of a service's processes (ServiceProcess) uses it:
//  - At the spawn, after the notify probe's prepare():
//    add_watchdog_environment(request, *spec.watchdog). The service gets
//    WATCHDOG_USEC and WATCHDOG_PID (its main pid, set by the child itself
//    just before exec: SpawnRequest::pid_variable).
//  - Wire the notify probe's events: ProbeEvents::watchdog to ping(),
//    ProbeEvents::watchdog_trigger to trigger(), each only while the
//    Watchdog exists (a WATCHDOG=1 before ready means nothing yet).
//  - Create it at the moment the service is ready (the notify probe's
//    `ready` event accepted): the first WATCHDOG=1 is due within D from then.
//  - Pass `unhealthy(why)` on as engine on_unhealthy(i, why), and
//    `healthy()` as on_healthy(i).
//  - Destroy it when the service's stop begins (stop(), kill(): a server
//    that is stopping stops its pings too, while the notify probe stays to
//    hear STOPPING=1), when its main process is reaped, and before a
//    restart spawns it anew.
// Destruction stops it at once: no event afterwards.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "config/project_spec.hpp"
#include "runtime/health_events.hpp"
#include "runtime/spawn.hpp"

namespace summon::runtime {

/// Before the spawn of a service with `watchdog: period`: WATCHDOG_USEC,
/// the period in microseconds, in its environment (in place of any it had),
/// and WATCHDOG_PID set to its main pid by the child (pid_variable).
void add_watchdog_environment(SpawnRequest& request, config::Duration period);

struct WatchdogState;

class Watchdog {
 public:
  /// Starts watching: if no ping() comes within `period` from now, or
  /// within `period` of the last one, calls `unhealthy("no WATCHDOG=1 for
  /// 2s")`. Between pings one timer is armed, and it wakes at most once
  /// per period however often pings come.
  Watchdog(boost::asio::io_context& io, config::Duration period, HealthEvents events);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// WATCHDOG=1: the service is alive; the next one is due within the
  /// period. After `unhealthy`, calls `healthy`.
  void ping();
  /// WATCHDOG=trigger: calls `unhealthy("sent WATCHDOG=trigger")` unless
  /// already unhealthy; a later ping() makes it healthy again.
  void trigger();
  /// Whether `unhealthy` was the last event.
  bool unhealthy() const;

 private:
  std::shared_ptr<WatchdogState> state_;
};

}  // namespace summon::runtime

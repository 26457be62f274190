// The `alive` check of a ready service (SPEC 1.5): a polled probe (tcp,
// http, exec or unix) tried every `interval` for as long as the service
// runs; `failures` failed attempts in a row make it unhealthy, and the next
// attempt that holds makes it healthy again.
//
// How the owner of a service's processes (ServiceProcess) uses it:
//  - Create it at the moment the service is ready, from the spec's `alive`
//    and the same ProbeTarget and ProbeContext as the readiness probe (both
//    must outlive it): when the readiness probe's `ready` event is accepted
//    (the process alive, not stopping), or right after on_started for a
//    service without `ready:`. The first attempt starts at once.
//  - Pass `unhealthy(why)` on as engine on_unhealthy(i, why), and
//    `healthy()` as on_healthy(i).
//  - Destroy it when the service's stop begins (stop(), kill()), when its
//    main process is reaped (before on_exited is reported), and before a
//    restart spawns it anew; a new one is made at the next ready. It is
//    never kept across two runs of the service: its count starts afresh.
// Destruction stops everything at once: no event afterwards, an exec
// attempt's process group is killed, every descriptor is closed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/project_spec.hpp"
#include "runtime/health_events.hpp"
#include "runtime/probe.hpp"

namespace summon::runtime {

struct AliveCheckState;

class AliveCheck {
 public:
  /// Whether `spec` can be an alive check: its probe is tcp, http, exec or
  /// unix, and valid; otherwise why not, worded for "NAME: " ("alive: an
  /// http probe: invalid URL ..."). The config layer refuses such files; a
  /// check made anyway only ever fails.
  static std::optional<std::string> invalid(const config::AliveSpec& spec,
                                            const ProbeTarget& target, ProbeContext& context);

  /// Starts checking: the first attempt now, each next one
  /// `spec.probe.interval` after the previous one ended, each limited to
  /// `spec.probe.timeout` (an exec attempt past it is killed with its
  /// group). Between attempts one timer is armed and nothing else.
  /// After `spec.failures` (at least 1) failed attempts in a row, calls
  /// `unhealthy` once, with the last attempt's result and "(N in a row)";
  /// after that, the first attempt that holds calls `healthy` and the count
  /// starts anew.
  AliveCheck(const config::AliveSpec& spec, const ProbeTarget& target, ProbeContext& context,
             HealthEvents events);
  ~AliveCheck();
  AliveCheck(const AliveCheck&) = delete;
  AliveCheck& operator=(const AliveCheck&) = delete;

  /// What the last attempt that ended saw: "tcp 127.0.0.1:8080: connection
  /// refused". Empty before the first one ends.
  std::string last_result() const;
  /// Failed attempts in a row, up to the last one that ended.
  int failures_in_a_row() const;
  /// Whether `unhealthy` was the last event.
  bool unhealthy() const;

 private:
  std::shared_ptr<AliveCheckState> state_;
};

}  // namespace summon::runtime

// The Spawner on real processes: start_process() (clone3 or fork, then exec),
// the exec's error pipe read on the loop, the ChildReaper, a cgroup leaf per
// service where the machine allows, and signals only to processes that are
// provably still the service's (SPEC 3.5).
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <boost/asio/io_context.hpp>

#include "runtime/cgroups.hpp"
#include "runtime/child_reaper.hpp"
#include "runtime/run_mark.hpp"
#include "runtime/spawner.hpp"

namespace summon::runtime {

/// Who the spawned processes belong to.
struct SpawnContext {
  boost::asio::io_context& io;
  ChildReaper& reaper;
  std::string project;                  // its name: SUMMON_PROJECT in each service's environment
  std::string run_id;                   // this run's mark
  RunIdentity identity;                 // who a process of this run may be, beside its mark
  const CgroupTree* cgroups = nullptr;  // a leaf per service, if the machine allows
};

class OsSpawner : public Spawner {
 public:
  /// The reaper and loop must outlive the spawner, and it every group it made.
  explicit OsSpawner(SpawnContext context) : context_(std::move(context)) {}

  /// Makes the child in leaf `svc-SERVICE` of the run's cgroup (`run` for
  /// the run's command), if there is one, and returns at once: the exec's
  /// result comes from the loop.
  std::variant<std::unique_ptr<ProcessGroup>, std::string> spawn(const std::string& service,
                                                                 SpawnRequest request,
                                                                 SpawnEvents events) override;

 private:
  SpawnContext context_;
};

}  // namespace summon::runtime

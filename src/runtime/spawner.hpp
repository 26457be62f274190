// What a service's processes need from the OS, behind an interface (ninja's
// CommandRunner, one level down): OsSpawner makes real processes; a unit
// test scripts "spawned, exec failed, exited, group empty" with a fake.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/spawn.hpp"

namespace summon::runtime {

/// How a spawned child's life comes back; both are called from the loop,
/// never from inside a Spawner or ProcessGroup call.
struct SpawnEvents {
  /// Once, first: nullopt when the child exec'd, else why it could not,
  /// worded for a user ("./api: No such file or directory"; exec_error_text).
  std::function<void(std::optional<std::string> error)> exec;
  /// Once, after `exec`, when the main process has ended: its waitpid
  /// status. Never for a child that could not exec (it is reaped unheard).
  std::function<void(int wait_status)> exit;
};

/// The processes of one start of a service: its main process, the process
/// group it leads, and whatever it started (its cgroup, where there is one).
/// Destruction stops the events; it signals nothing. Not to be destroyed
/// from inside one of its events.
class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;

  /// The main process, which leads its own session and process group.
  virtual pid_t pid() const = 0;
  /// Whether the main process has ended, even if it is not reaped yet.
  virtual bool main_ended() const = 0;
  /// Sends `signal` to every process of this start that is provably still
  /// its own: the group while its leader is unreaped (or still holds its
  /// number), the cgroup's members, descendants that left the group.
  /// SIGKILL ends a cgroup at once.
  virtual void signal(int signal) = 0;
  /// Whether any process of this start is left. Asked once the main process
  /// has ended.
  virtual bool anything_left() const = 0;
  /// Whether process `sender` belongs to this start (a notify message's
  /// sender), asked while the main process lives (belongs_to_service).
  virtual bool owns(pid_t sender) const = 0;
  /// None of its processes is left: frees what held them (its cgroup folder,
  /// now rather than at the end of the run, since removing one takes a while;
  /// kept for the next start if the main process ended on its own).
  virtual void release() = 0;
};

/// The name spawn() is given for `summon run`'s command, which is no
/// service (a service's name is never empty): its cgroup leaf is `run`.
inline constexpr std::string_view run_command_name = "";

/// Makes the processes of services.
class Spawner {
 public:
  virtual ~Spawner() = default;

  /// Starts `request` for service `service` (its name) and watches the
  /// child: `events` tell whether it exec'd and when it ended. Returns its
  /// processes, or why no child could be made, worded for a user ("cwd
  /// /srv/x: No such file or directory", "user x: no such user").
  virtual std::variant<std::unique_ptr<ProcessGroup>, std::string> spawn(const std::string& service,
                                                                         SpawnRequest request,
                                                                         SpawnEvents events) = 0;
};

}  // namespace summon::runtime

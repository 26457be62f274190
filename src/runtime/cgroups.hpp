// Exact membership where the machine allows it: a cgroup v2 folder for the
// run, with one leaf per service. A process stays in its leaf however it
// forks or calls setsid, and `cgroup.kill` ends a whole leaf at once.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace summon::runtime {

/// One leaf cgroup: a service's processes, or the exec probes', or the `run`
/// command's.
class Cgroup {
 public:
  explicit Cgroup(std::string path) : path_(std::move(path)) {}
  /// The folder; a process joins it by writing "0" to its cgroup.procs.
  const std::string& path() const { return path_; }
  /// Sends `signal` to every member outside process group `signalled_group`
  /// (which the caller signalled as a group), so that each gets it once.
  void signal_members(int signal, pid_t signalled_group) const;
  /// SIGKILLs every member at once.
  void kill() const;
  /// Whether process `pid` is a member (in this leaf itself).
  bool contains(pid_t pid) const;
  /// Whether any live process is in it (zombies do not count).
  bool populated() const;
  /// Removes the folder, which must be empty (it is made again on next use).
  void remove() const;

 private:
  std::string path_;
};

/// The run's folder under summon's own cgroup, if that is cgroup v2 and
/// writable (root, or a delegated subtree as systemd gives a user service).
/// Elsewhere, or with SUMMON_NO_CGROUP=1 in the environment, there is none
/// and summon relies on process groups and subreaping alone.
class CgroupTree {
 public:
  CgroupTree();
  /// Kills whatever is still inside (nothing, after a clean teardown) and
  /// removes the folders.
  ~CgroupTree();
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;

  bool enabled() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  /// The leaf called `name` ("svc-web", "probes", "run"), made on first use;
  /// nothing if there is no tree or the leaf cannot be made.
  std::optional<Cgroup> leaf(const std::string& name) const;
  /// The leaf called `name` if it is there now; never makes one.
  std::optional<Cgroup> existing_leaf(const std::string& name) const;

 private:
  std::string path_;
};

/// The name of service `service`'s leaf: "svc-web".
std::string service_leaf_name(const std::string& service);

/// Kills every process under cgroup folder `path`, waits (up to a second)
/// for them to leave, and removes the folder and its leaves. Plain calls
/// only: the guardian uses it too, in a fork of summon.
void kill_and_remove(const std::string& path);

}  // namespace summon::runtime

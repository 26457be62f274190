// Where a running project's state lives (SPEC 2.2): this user's folder of
// running projects, and in it one folder per `up` or `run`, holding its
// info.json and its control socket. Every check is made on the descriptor
// that is then used, never on a path looked up again, and a folder another
// user made first is refused, never used.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace summon::control {

/// Why a state folder is not used: names the path and what is wrong with it.
struct Refusal {
  std::string message;
};

/// This user's folder of running projects: $XDG_RUNTIME_DIR/summon when
/// XDG_RUNTIME_DIR is set, absolute, a real folder (not a link) owned by the
/// effective uid and not writable by group or others; else /tmp/summon-UID
/// (UID = geteuid()). Made 0700 if missing. Refused, with a message naming
/// the path and what is wrong, if it is a symbolic link, not a folder, owned
/// by another user, or has a mode other than 0700: another user may have
/// made /tmp/summon-UID first, and then it is theirs, not ours.
std::variant<std::string, Refusal> user_state_root();

/// user_state_root() with the environment spelled out, for tests:
/// `xdg_runtime_dir` as $XDG_RUNTIME_DIR would be ("" when unset), `tmp_dir`
/// in place of /tmp.
std::variant<std::string, Refusal> user_state_root_in(const std::string& xdg_runtime_dir,
                                                      const std::string& tmp_dir);

/// "NAME-HASH" for `up`, "NAME-HASH.run.PID" for a run. HASH is 16 lower-case
/// hex digits of the 64-bit FNV-1a hash of `real_path` (the services file's
/// real path), so one file names one project from any folder. NAME is `name`
/// with every byte outside [A-Za-z0-9_.-] made '_', cut to 32 bytes, so that
/// the socket's path stays well inside a Unix socket address.
std::string project_folder_name(const std::string& name, const std::string& real_path,
                                std::optional<pid_t> run_pid);

/// info.json in a project's folder.
struct ProjectInfo {
  std::string name;        // the project's name
  std::string file;        // real path of its first services file
  pid_t pid = 0;           // the supervisor's pid
  bool run = false;        // a `summon run` (else `up`)
  std::string started_at;  // RFC 3339 UTC, e.g. "2026-12-02T02:30:00.123Z"

  bool operator==(const ProjectInfo&) const = default;
};

/// One running project's own folder, made by its supervisor. While it lives
/// it holds an exclusive flock(2) on the folder, which the kernel drops when
/// the supervisor dies: remove_stale() leaves a folder whose lock is held.
class StateFolder {
 public:
  /// Makes ROOT/FOLDER_NAME (mode 0700) with info.json in it (0600, written
  /// to a temporary file and renamed), all through an O_DIRECTORY|O_NOFOLLOW
  /// descriptor of ROOT, so nothing on the way can be swapped. The folder is
  /// made under a hidden temporary name, locked and filled, then renamed into
  /// place without replacing anything: it appears complete, or not at all.
  /// Fails, with a message, when ROOT is not a folder owned by the effective
  /// uid with no access for others, when FOLDER_NAME is not a plain name, or
  /// when ROOT/FOLDER_NAME exists: the caller decides whether that one is
  /// stale (nobody answers on its socket) and calls remove_stale() first.
  static std::variant<StateFolder, std::string> create(const std::string& root,
                                                       const std::string& folder_name,
                                                       const ProjectInfo& info);

  const std::string& path() const { return path_; }
  /// path() + "/control.sock", where the supervisor listens.
  std::string socket_path() const { return path_ + "/control.sock"; }

  /// Removes the folder and the files summon makes in it (control.sock,
  /// info.json, info.json's temporary files); a file anyone else put there
  /// keeps the folder. Then holds nothing; a second call does nothing.
  void remove();

  StateFolder(StateFolder&& other) noexcept;
  StateFolder& operator=(StateFolder&& other) noexcept;
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;
  /// Closes its descriptors (dropping the lock); does not remove the folder:
  /// the supervisor decides.
  ~StateFolder();

 private:
  StateFolder(std::string path, std::string name, int root_fd, int folder_fd)
      : path_(std::move(path)), name_(std::move(name)), root_fd_(root_fd), folder_fd_(folder_fd) {}
  void close_descriptors();

  std::string path_;
  std::string name_;    // the folder's name in ROOT
  int root_fd_ = -1;    // ROOT, for removing the folder from it
  int folder_fd_ = -1;  // the folder itself, locked
};

struct ProjectEntry {
  std::string folder;  // ROOT/FOLDER_NAME
  ProjectInfo info;
};

/// Every project folder under ROOT whose info.json reads, by folder name.
/// Skips anything not owned by the effective uid, links, hidden names (a
/// folder being made) and unreadable entries. No liveness check here.
std::vector<ProjectEntry> list_projects(const std::string& root);

/// Removes a stale project folder (the caller found nobody answering on its
/// socket): only if it is a real folder owned by us whose lock no live
/// supervisor holds, and only the files summon makes in it; the folder goes
/// only when nothing else is left in it.
void remove_stale(const std::string& folder);

}  // namespace summon::control

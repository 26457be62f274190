// The other end of the control socket: finding the running project a
// command means, and speaking to it (SPEC 2.2, docs/protocol.md).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "control/protocol.hpp"
#include "control/state_folder.hpp"

namespace summon::cli {

/// How a command names its project: `-p NAME` (or `NAME:PID` for one run),
/// else the real path of its services file.
struct ProjectRef {
  std::optional<std::string> name;
  std::string file;  // real path; unused with a name
};

struct FoundProject {
  std::string folder;
  control::ProjectInfo info;
  std::string socket() const { return folder + "/control.sock"; }
};

/// Why no project was found: exit 3 (not up) or 2 (several match), with what to say.
struct NotFound {
  int exit_code = 3;
  std::string message;
};

/// This user's projects that answer, each once; folders of ones that died
/// (nobody answers on the socket) are removed on the way.
std::vector<FoundProject> running_projects(std::string& error);

/// The project `ref` names: its `up`, else its only `run`.
std::variant<FoundProject, NotFound> find_project(const ProjectRef& ref);

/// One connection to a project's control socket, blocking.
class ControlClient {
 public:
  static std::variant<ControlClient, std::string> connect(const std::string& socket_path);
  ControlClient(ControlClient&& other) noexcept;
  ControlClient& operator=(ControlClient&&) = delete;
  ~ControlClient();

  /// Sends the request line; false if the project went away.
  bool send(const control::Request& request);
  /// The next reply, or nullopt once the project has closed the connection.
  std::optional<nlohmann::json> next();
  /// The connected socket, now the caller's to read and close.
  int release() { return std::exchange(fd_, -1); }

 private:
  explicit ControlClient(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;
};

}  // namespace summon::cli

// ControlClient and the lookup of running projects.
#include "cli/control_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "control/peer.hpp"
#include "runtime/write_all.hpp"

namespace summon::cli {

namespace {

// Whether anyone answers on the socket; a refused or missing one means the
// supervisor is gone.
bool answers(const std::string& socket_path) {
  auto client = ControlClient::connect(socket_path);
  return std::holds_alternative<ControlClient>(client);
}

}  // namespace

std::variant<ControlClient, std::string> ControlClient::connect(const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path)
    return fmt::format("{}: path too long for a socket", socket_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("socket: {}", std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    return fmt::format("{}: {}", socket_path, std::strerror(error));
  }
  // Only a supervisor of this user's (or root's) is believed.
  const auto owner = control::peer_uid(fd);
  if (!owner || !control::peer_allowed(*owner, ::geteuid())) {
    ::close(fd);
    return fmt::format("{}: served by uid {}, not by this user or root", socket_path,
                       owner ? std::to_string(*owner) : std::string("unknown"));
  }
  return ControlClient(fd);
}

ControlClient::ControlClient(ControlClient&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool ControlClient::send(const control::Request& request) {
  return runtime::write_all(fd_, control::request_line(request));
}

std::optional<nlohmann::json> ControlClient::next() {
  for (;;) {
    if (auto end = buffer_.find('\n'); end != std::string::npos) {
      auto reply = nlohmann::json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      if (reply.is_discarded())
        return nlohmann::json{{"ok", false}, {"error", "a reply that is not JSON"}};
      return reply;
    }
    char chunk[65536];
    const ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

std::vector<FoundProject> running_projects(std::string& error) {
  auto root = control::user_state_root();
  if (auto* refusal = std::get_if<control::Refusal>(&root)) {
    error = refusal->message;
    return {};
  }
  std::vector<FoundProject> out;
  for (auto& entry : control::list_projects(std::get<std::string>(root))) {
    FoundProject found{entry.folder, entry.info};
    if (answers(found.socket()))
      out.push_back(std::move(found));
    else
      control::remove_stale(entry.folder);
  }
  return out;
}

std::variant<FoundProject, NotFound> find_project(const ProjectRef& ref) {
  std::string error;
  auto projects = running_projects(error);
  if (!error.empty()) return NotFound{2, "summon: error: " + error};
  std::vector<FoundProject> matches;
  std::string wanted_name, wanted_pid;
  if (ref.name) {
    wanted_name = *ref.name;
    if (auto colon = wanted_name.rfind(':'); colon != std::string::npos) {
      wanted_pid = wanted_name.substr(colon + 1);
      wanted_name.resize(colon);
    }
  }
  for (auto& project : projects) {
    const bool same =
        ref.name ? project.info.name == wanted_name &&
                       (wanted_pid.empty() || std::to_string(project.info.pid) == wanted_pid)
                 : project.info.file == ref.file;
    if (same) matches.push_back(project);
  }
  const std::string what = ref.name ? *ref.name : ref.file;
  if (matches.empty()) return NotFound{3, fmt::format("summon: {} is not up", what)};
  // Its `up`, else its only `run`.
  for (auto& project : matches)
    if (!project.info.run) return project;
  if (matches.size() == 1) return matches.front();
  std::string listed;
  for (const auto& project : matches)
    listed += fmt::format("\n  -p {}:{}", project.info.name, project.info.pid);
  return NotFound{
      2, fmt::format("summon: error: {} has {} runs; pick one:{}", what, matches.size(), listed)};
}

}  // namespace summon::cli

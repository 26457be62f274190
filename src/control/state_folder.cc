// Each folder is opened once, without following a link at its end, checked on
// that descriptor, and then reached only through it (openat, mkdirat,
// renameat2, unlinkat): a link or a folder put in its place after the check is
// never followed.
#include "control/state_folder.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/write_all.hpp"

namespace summon::control {

namespace {

using json = nlohmann::json;

constexpr std::string_view socket_file = "control.sock";
constexpr std::string_view info_file = "info.json";
constexpr std::string_view info_temp = "info.json.tmp";
constexpr std::size_t largest_info = 64 * 1024;
constexpr std::size_t longest_name = 32;

constexpr int folder_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// One descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_;
};

// "nobody (uid 65534)", or "uid 65534" for a uid without a name.
std::string user_text(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) != 0 || !found)
    return fmt::format("uid {}", uid);
  return fmt::format("{} (uid {})", found->pw_name, uid);
}

std::string refused(const std::string& path, std::string_view problem) {
  return fmt::format("summon's state folder {} {}; it is not used", path, problem);
}

// A trailing "/" would make the kernel follow a link at the end whatever
// O_NOFOLLOW says.
std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string join(const std::string& folder, std::string_view name) {
  return folder == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", folder, name);
}

// A name of one folder in another: not empty, no '/', not "." or "..", and
// (unless `hidden` may be) not starting with '.', which marks a folder being made.
bool plain_name(std::string_view name, bool hidden) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  if (!hidden && name.front() == '.') return false;
  return name.find('/') == name.npos && name.find('\0') == name.npos;
}

// Why the open folder `fd` may not be a state folder; empty if it may: a
// folder, ours, with no access for anyone else.
std::string folder_problem(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fmt::format("cannot be examined: {}", std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return "is not a folder";
  if (st.st_uid != ::geteuid())
    return fmt::format("is owned by {}, not by {}", user_text(st.st_uid), user_text(::geteuid()));
  const mode_t mode = st.st_mode & 07777;
  if (mode != 0700) return fmt::format("has mode {:04o}, not 0700", mode);
  return {};
}

bool owned_folder(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid();
}

// Opens folder `name` of the open folder `parent`, making it 0700 first if it
// is missing, and checks it. `shown` is its path, for messages.
std::variant<Fd, Refusal> open_private_folder(int parent, const std::string& name,
                                              const std::string& shown) {
  const bool made = ::mkdirat(parent, name.c_str(), 0700) == 0;
  if (!made && errno != EEXIST)
    return Refusal{
        fmt::format("cannot make summon's state folder {}: {}", shown, std::strerror(errno))};
  Fd fd(::openat(parent, name.c_str(), folder_flags));
  if (!fd) {
    const int why = errno;
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISLNK(st.st_mode)) return Refusal{refused(shown, "is a symbolic link")};
      if (!S_ISDIR(st.st_mode)) return Refusal{refused(shown, "is not a folder")};
    }
    return Refusal{
        fmt::format("cannot open summon's state folder {}: {}", shown, std::strerror(why))};
  }
  // The umask may have narrowed what mkdir made; 0700 is what is checked. A
  // folder someone else swapped in meanwhile is not ours to change.
  if (made) ::fchmod(fd.get(), 0700);
  if (const std::string problem = folder_problem(fd.get()); !problem.empty())
    return Refusal{refused(shown, problem)};
  return fd;
}

// $XDG_RUNTIME_DIR opened, when it may hold summon's folder: absolute, a real
// folder, ours, and writable by no one else.
Fd runtime_dir(const std::string& path) {
  if (path.empty() || path.front() != '/') return Fd();
  Fd fd(::open(without_trailing_slash(path).c_str(), folder_flags));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_uid != ::geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return Fd();
  return fd;
}

std::vector<std::string> entry_names(int folder) {
  std::vector<std::string> names;
  // A descriptor of its own, with its own reading position.
  const int fd = ::openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return names;
  }
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

// Removes from `folder` the files summon makes there, and nothing else.
void remove_summon_files(int folder) {
  for (const std::string& name : entry_names(folder))
    if (name == socket_file || name == info_file || name.starts_with(info_temp))
      ::unlinkat(folder, name.c_str(), 0);
}

// Removes the open folder `folder`, named `name` in `root`, if nothing but
// summon's files is in it and the name still stands for it.
void remove_folder(int root, const std::string& name, int folder) {
  remove_summon_files(folder);
  struct stat named {};
  struct stat held {};
  if (::fstatat(root, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
      ::fstat(folder, &held) != 0 || named.st_dev != held.st_dev || named.st_ino != held.st_ino)
    return;
  ::unlinkat(root, name.c_str(), AT_REMOVEDIR);
}

std::string info_text(const ProjectInfo& info) {
  const json document = {{"name", info.name},
                         {"file", info.file},
                         {"pid", info.pid},
                         {"run", info.run},
                         {"started_at", info.started_at}};
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<ProjectInfo> parse_info(std::string_view text) {
  const json document = json::parse(text, nullptr, false);
  if (!document.is_object()) return std::nullopt;
  const auto string_at = [&](const char* key) -> const std::string* {
    const auto found = document.find(key);
    return found != document.end() && found->is_string() ? &found->get_ref<const std::string&>()
                                                         : nullptr;
  };
  const std::string* name = string_at("name");
  const std::string* file = string_at("file");
  const std::string* started_at = string_at("started_at");
  const auto pid = document.find("pid");
  const auto run = document.find("run");
  if (!name || !file || !started_at || pid == document.end() || run == document.end() ||
      !pid->is_number_integer() || !run->is_boolean())
    return std::nullopt;
  constexpr auto largest_pid = static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max());
  if (!pid->is_number_unsigned() || pid->get<std::uint64_t>() == 0 ||
      pid->get<std::uint64_t>() > largest_pid)
    return std::nullopt;
  return ProjectInfo{*name, *file, static_cast<pid_t>(pid->get<std::uint64_t>()), run->get<bool>(),
                     *started_at};
}

std::optional<ProjectInfo> read_info(int folder) {
  Fd fd(::openat(folder, std::string(info_file).c_str(),
                 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      static_cast<std::size_t>(st.st_size) > largest_info)
    return std::nullopt;
  std::string text(largest_info + 1, '\0');
  std::size_t have = 0;
  while (have < text.size()) {
    const ssize_t got = ::read(fd.get(), text.data() + have, text.size() - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) break;
    have += static_cast<std::size_t>(got);
  }
  if (have > largest_info) return std::nullopt;
  text.resize(have);
  return parse_info(text);
}

// Writes info.json in the open folder `folder`: a temporary file, then a
// rename, so that a reader sees all of it or none. Returns what went wrong.
std::string write_info(int folder, const ProjectInfo& info) {
  const std::string temp(info_temp);
  Fd fd(::openat(folder, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return std::strerror(errno);
  ::fchmod(fd.get(), 0600);
  if (!runtime::write_all(fd.get(), info_text(info)) || ::close(fd.release()) != 0) {
    const int why = errno;
    ::unlinkat(folder, temp.c_str(), 0);
    return std::strerror(why);
  }
  if (::renameat(folder, temp.c_str(), folder, std::string(info_file).c_str()) != 0) {
    const int failed = errno;
    ::unlinkat(folder, temp.c_str(), 0);
    return std::strerror(failed);
  }
  return {};
}

// Renames `from` to `to` in `root` without replacing what is there.
bool rename_into_place(int root, const std::string& from, const std::string& to) {
  if (::renameat2(root, from.c_str(), root, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  // A file system without RENAME_NOREPLACE: a plain rename replaces only an
  // empty folder, and a project's folder always holds its info.json.
  return ::renameat(root, from.c_str(), root, to.c_str()) == 0;
}

}  // namespace

std::variant<std::string, Refusal> user_state_root_in(const std::string& xdg_runtime_dir,
                                                      const std::string& tmp_dir) {
  std::string parent_path = without_trailing_slash(xdg_runtime_dir);
  Fd parent = runtime_dir(xdg_runtime_dir);
  std::string name = "summon";
  if (!parent) {
    parent_path = without_trailing_slash(tmp_dir);
    name = fmt::format("summon-{}", ::geteuid());
    parent = Fd(::open(parent_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent)
      return Refusal{fmt::format("cannot open {} for summon's state folder: {}", parent_path,
                                 std::strerror(errno))};
  }
  const std::string path = join(parent_path, name);
  auto opened = open_private_folder(parent.get(), name, path);
  if (auto* refusal = std::get_if<Refusal>(&opened)) return std::move(*refusal);
  return path;
}

std::variant<std::string, Refusal> user_state_root() {
  // Not $TMPDIR: every terminal of the user must find the same folder.
  const char* xdg_runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  return user_state_root_in(xdg_runtime_dir ? xdg_runtime_dir : "", "/tmp");
}

std::string project_folder_name(const std::string& name, const std::string& real_path,
                                std::optional<pid_t> run_pid) {
  std::uint64_t hash = 14695981039346656037ULL;  // 64-bit FNV-1a
  for (const char byte : real_path) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 1099511628211ULL;
  }
  std::string shown = name.substr(0, longest_name);
  for (char& byte : shown) {
    const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                       (byte >= '0' && byte <= '9') || byte == '_' || byte == '.' || byte == '-';
    if (!plain) byte = '_';
  }
  std::string folder = fmt::format("{}-{:016x}", shown, hash);
  if (run_pid) folder += fmt::format(".run.{}", *run_pid);
  return folder;
}

std::variant<StateFolder, std::string> StateFolder::create(const std::string& root,
                                                           const std::string& folder_name,
                                                           const ProjectInfo& info) {
  const std::string root_path = without_trailing_slash(root);
  const std::string path = join(root_path, folder_name);
  if (!plain_name(folder_name, false))
    return fmt::format("cannot make a project folder named '{}' in {}: not a plain name",
                       folder_name, root_path);
  Fd root_fd(::open(root_path.c_str(), folder_flags));
  if (!root_fd) {
    const int why = errno;
    struct stat st {};
    if (::lstat(root_path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return refused(root_path, "is a symbolic link");
    return fmt::format("cannot open summon's state folder {}: {}", root_path, std::strerror(why));
  }
  if (const std::string problem = folder_problem(root_fd.get()); !problem.empty())
    return refused(root_path, problem);
  struct stat st {};
  if (::fstatat(root_fd.get(), folder_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    return fmt::format("{} already exists", path);

  // Made under a hidden name, which list_projects() passes over, and renamed
  // into place once it is locked and holds its info.json.
  std::string temp;
  Fd folder_fd;
  for (int attempt = 0; attempt < 100 && !folder_fd; ++attempt) {
    temp = fmt::format(".{}.new.{}.{}", folder_name, ::getpid(), attempt);
    if (::mkdirat(root_fd.get(), temp.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;
      return fmt::format("cannot make {}: {}", path, std::strerror(errno));
    }
    folder_fd = Fd(::openat(root_fd.get(), temp.c_str(), folder_flags));
    if (!folder_fd) {
      const int why = errno;
      ::unlinkat(root_fd.get(), temp.c_str(), AT_REMOVEDIR);
      return fmt::format("cannot make {}: {}", path, std::strerror(why));
    }
  }
  if (!folder_fd) return fmt::format("cannot make {}: no free temporary name", path);
  const auto fail = [&](std::string message) {
    remove_folder(root_fd.get(), temp, folder_fd.get());
    return message;
  };
  if (::fchmod(folder_fd.get(), 0700) != 0 || ::flock(folder_fd.get(), LOCK_EX | LOCK_NB) != 0)
    return fail(fmt::format("cannot make {}: {}", path, std::strerror(errno)));
  if (const std::string why = write_info(folder_fd.get(), info); !why.empty())
    return fail(fmt::format("cannot write {}/info.json: {}", path, why));
  if (!rename_into_place(root_fd.get(), temp, folder_name)) {
    const int why = errno;
    return fail(why == EEXIST || why == ENOTEMPTY
                    ? fmt::format("{} already exists", path)
                    : fmt::format("cannot make {}: {}", path, std::strerror(why)));
  }
  return StateFolder(path, folder_name, root_fd.release(), folder_fd.release());
}

StateFolder::StateFolder(StateFolder&& other) noexcept
    : path_(std::move(other.path_)),
      name_(std::move(other.name_)),
      root_fd_(std::exchange(other.root_fd_, -1)),
      folder_fd_(std::exchange(other.folder_fd_, -1)) {}

StateFolder& StateFolder::operator=(StateFolder&& other) noexcept {
  if (this != &other) {
    close_descriptors();
    path_ = std::move(other.path_);
    name_ = std::move(other.name_);
    root_fd_ = std::exchange(other.root_fd_, -1);
    folder_fd_ = std::exchange(other.folder_fd_, -1);
  }
  return *this;
}

StateFolder::~StateFolder() {
  close_descriptors();
}

void StateFolder::close_descriptors() {
  if (folder_fd_ >= 0) ::close(std::exchange(folder_fd_, -1));
  if (root_fd_ >= 0) ::close(std::exchange(root_fd_, -1));
}

void StateFolder::remove() {
  if (folder_fd_ < 0) return;
  remove_folder(root_fd_, name_, folder_fd_);
  close_descriptors();
}

std::vector<ProjectEntry> list_projects(const std::string& root) {
  std::vector<ProjectEntry> found;
  const std::string root_path = without_trailing_slash(root);
  Fd root_fd(::open(root_path.c_str(), folder_flags));
  if (!root_fd || !folder_problem(root_fd.get()).empty()) return found;
  for (const std::string& name : entry_names(root_fd.get())) {
    if (!plain_name(name, false)) continue;
    Fd folder_fd(::openat(root_fd.get(), name.c_str(), folder_flags));
    if (!folder_fd || !owned_folder(folder_fd.get())) continue;
    if (auto info = read_info(folder_fd.get()))
      found.push_back(ProjectEntry{join(root_path, name), std::move(*info)});
  }
  std::sort(found.begin(), found.end(),
            [](const ProjectEntry& a, const ProjectEntry& b) { return a.folder < b.folder; });
  return found;
}

void remove_stale(const std::string& folder) {
  const std::string path = without_trailing_slash(folder);
  const std::size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (!plain_name(name, true)) return;
  Fd root_fd(::open(parent.c_str(), folder_flags));
  if (!root_fd || !folder_problem(root_fd.get()).empty()) return;
  Fd folder_fd(::openat(root_fd.get(), name.c_str(), folder_flags));
  if (!folder_fd || !owned_folder(folder_fd.get())) return;
  // A live supervisor holds this lock for as long as its folder is in use.
  if (::flock(folder_fd.get(), LOCK_EX | LOCK_NB) != 0) return;
  remove_folder(root_fd.get(), name, folder_fd.get());
}

}  // namespace summon::control

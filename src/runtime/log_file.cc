// LogFolder and LogFile: every check is made on the descriptor that is then
// used, never on a path looked up again, so nothing can be swapped between.
#include "runtime/log_file.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "runtime/write_all.hpp"

namespace summon::runtime {

namespace {

// "nobody (uid 65534)", or "uid 65534" for a uid without a name.
std::string user_text(uid_t uid) {
  const passwd* user = ::getpwuid(uid);
  if (!user) return fmt::format("uid {}", uid);
  return fmt::format("{} (uid {})", user->pw_name, uid);
}

std::string owner_problem(uid_t owner) {
  return fmt::format("is owned by {}, not by summon's user {}", user_text(owner),
                     user_text(::geteuid()));
}

// Why an entry that exists may not be a log file; empty if it may be.
std::string file_problem(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "is a symbolic link, not followed";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_uid != ::geteuid()) return owner_problem(st.st_uid);
  // A second name may be a hard link an attacker made to a file of ours.
  if (st.st_nlink != 1) return "has other hard links";
  return {};
}

// Why the open folder `fd` may not hold log files; empty if it may.
std::string folder_problem(int fd, bool made_now) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::strerror(errno);
  if (st.st_uid != ::geteuid()) return owner_problem(st.st_uid);
  const mode_t mode = st.st_mode & 07777;
  // A umask of 002 leaves a folder just made group-writable: ours to narrow.
  if (made_now && (mode & 022) != 0 && ::fchmod(fd, mode & ~022) == 0) return {};
  // In a sticky folder others may add names but not touch ours; each file is
  // then checked to be ours.
  if ((mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0)
    return fmt::format("can be written by other users (mode {:04o}) and is not sticky", mode);
  return {};
}

// A trailing "/" would make the kernel follow a link at the end whatever
// O_NOFOLLOW says (lexically_normal has turned a trailing "/." into "/").
std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// A folder on the way to the log folder must not be one that another user
// could swap for a link or fill: owned by root or by summon's user, and
// writable by no one else unless sticky (as /tmp is).
std::string parent_problem(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fmt::format("{}: {}", shown, std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return fmt::format("lies in {}, which is owned by {}", shown, user_text(st.st_uid));
  const mode_t mode = st.st_mode & 07777;
  if ((mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0)
    return fmt::format("lies in {}, which other users can write (mode {:04o})", shown, mode);
  return {};
}

}  // namespace

std::shared_ptr<const LogFolder> LogFolder::open(const std::string& path, std::string& error,
                                                 LogRotation rotation) {
  if (path.empty()) {
    error = "is empty: give a folder";
    return nullptr;
  }
  const std::filesystem::path normal = std::filesystem::path(path).lexically_normal();
  const std::string at = without_trailing_slash(normal.string());

  // Walked one folder at a time from where it starts, each opened relative
  // to the one before: a link planted on the way is seen, not followed
  // (only a link owned by root or by summon's user is, as /var/run is).
  std::vector<std::string> parts;
  for (const auto& part : std::filesystem::path(at).relative_path()) parts.push_back(part.string());
  const bool absolute = !at.empty() && at.front() == '/';
  int fd = ::open(absolute ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return nullptr;
  }
  std::string shown;  // the path so far, for messages
  bool made_now = false;
  for (std::size_t n = 0; n < parts.size(); ++n) {
    const std::string& part = parts[n];
    const bool last = n + 1 == parts.size();
    shown = n == 0 ? (absolute ? "/" : "") + part : shown + "/" + part;
    struct stat st {};
    if (::fstatat(fd, part.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT || ::mkdirat(fd, part.c_str(), 0755) != 0) {
        error = fmt::format("cannot make {}: {}", shown, std::strerror(errno));
        ::close(fd);
        return nullptr;
      }
      made_now = last;
    } else if (S_ISLNK(st.st_mode)) {
      if (last) {
        error = "is a symbolic link; give the folder itself";
      } else if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
        error =
            fmt::format("lies behind {}, a symbolic link owned by {}", shown, user_text(st.st_uid));
      }
      if (!error.empty()) {
        ::close(fd);
        return nullptr;
      }
    }
    const int follow = S_ISLNK(st.st_mode) && !last ? 0 : O_NOFOLLOW;
    const int next = ::openat(fd, part.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | follow);
    const int why = errno;
    ::close(fd);
    if (next < 0) {
      error = why == ENOTDIR ? (last ? std::string("is not a folder")
                                     : fmt::format("{} is not a folder", shown))
                             : fmt::format("{}: {}", shown, std::strerror(why));
      return nullptr;
    }
    fd = next;
    if (!last) {
      error = parent_problem(fd, shown);
      if (!error.empty()) {
        ::close(fd);
        return nullptr;
      }
    }
  }
  error = folder_problem(fd, made_now);
  if (!error.empty()) {
    ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<const LogFolder>(
      new LogFolder(without_trailing_slash(path), fd, rotation));
}

LogFolder::~LogFolder() {
  ::close(fd_);
}

LogFile LogFolder::open_file(const std::string& file_name, std::string& error) const {
  const std::string shown = path_ == "/" ? "/" + file_name : path_ + "/" + file_name;
  // O_NONBLOCK: a FIFO put in its place must not hang the run until someone reads it.
  const int fd = ::openat(
      fd_, file_name.c_str(),
      O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0600);
  std::string why;
  struct stat st {};
  if (fd < 0) {
    const int failed = errno;
    // Say what is in the way where something is (ELOOP alone could be a link or a loop).
    if (::fstatat(fd_, file_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) why = file_problem(st);
    if (why.empty()) why = std::strerror(failed);
  } else if (::fstat(fd, &st) != 0) {
    why = std::strerror(errno);
  } else {
    why = file_problem(st);
  }
  if (!why.empty()) {
    if (fd >= 0) ::close(fd);
    error = fmt::format("log file {}: {}; its output is not written", shown, why);
    return {};
  }
  ::fcntl(fd, F_SETFL, O_APPEND);  // blocking again: a regular file never waits
  return LogFile(this, file_name, shown, fd, static_cast<std::uint64_t>(st.st_size));
}

std::optional<std::string> LogFolder::shift(const std::string& file_name) const {
  // Renamed within the folder's own descriptor: a link put in the place of
  // an old file is itself renamed or removed, never followed.
  auto numbered = [&](int n) { return n == 0 ? file_name : file_name + "." + std::to_string(n); };
  if (rotation_.keep <= 0) {
    if (::unlinkat(fd_, file_name.c_str(), 0) != 0 && errno != ENOENT) return std::strerror(errno);
    return std::nullopt;
  }
  if (::unlinkat(fd_, numbered(rotation_.keep).c_str(), 0) != 0 && errno != ENOENT)
    return std::strerror(errno);
  for (int n = rotation_.keep - 1; n >= 0; --n)
    if (::renameat(fd_, numbered(n).c_str(), fd_, numbered(n + 1).c_str()) != 0 && errno != ENOENT)
      return std::strerror(errno);
  return std::nullopt;
}

LogFile::~LogFile() {
  if (fd_ >= 0) ::close(fd_);
}

LogFile::LogFile(LogFile&& other) noexcept
    : folder_(other.folder_),
      name_(std::move(other.name_)),
      path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_) {}

LogFile& LogFile::operator=(LogFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    folder_ = other.folder_;
    name_ = std::move(other.name_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

std::optional<std::string> LogFile::append(std::string_view bytes) {
  const std::uint64_t limit = folder_ ? folder_->rotation_.max_size : 0;
  while (fd_ >= 0 && !bytes.empty()) {
    const std::uint64_t room = limit > size_ ? limit - size_ : 0;
    if (limit == 0 || bytes.size() <= room) return write(bytes);
    // What fits, cut at a line's end; into a new file, at least one line
    // (a line longer than the limit goes whole).
    auto end = bytes.substr(0, static_cast<std::size_t>(room)).rfind('\n');
    if (end == std::string_view::npos && size_ == 0) end = bytes.find('\n');
    const std::size_t piece =
        end == std::string_view::npos ? (size_ == 0 ? bytes.size() : 0) : end + 1;
    if (piece > 0)
      if (auto why = write(bytes.substr(0, piece))) return why;
    bytes.remove_prefix(piece);
    if (!bytes.empty())
      if (auto why = rotate()) return why;
  }
  return std::nullopt;
}

std::optional<std::string> LogFile::write(std::string_view bytes) {
  errno = 0;
  if (write_all(fd_, bytes)) {
    size_ += bytes.size();
    return std::nullopt;
  }
  // A write that took nothing and said nothing is an I/O error all the same.
  return lost(std::strerror(errno != 0 ? errno : EIO));
}

std::optional<std::string> LogFile::rotate() {
  if (auto why = folder_->shift(name_)) return lost("cannot rotate it: " + *why);
  std::string error;
  LogFile fresh = folder_->open_file(name_, error);
  if (!fresh.is_open()) {
    ::close(fd_);
    fd_ = -1;
    return error;  // it says which file, and that its output is not written
  }
  *this = std::move(fresh);
  return std::nullopt;
}

std::optional<std::string> LogFile::lost(const std::string& why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return fmt::format("log file {}: {}; its output from now on is not written", path_, why);
}

}  // namespace summon::runtime

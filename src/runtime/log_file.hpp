// The `--log-dir` folder and the log files in it, opened so that no other
// local user can redirect what summon writes (SPEC 3.5): summon often runs as
// root, and a log folder may sit where others can reach it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace summon::runtime {

class LogFile;

/// `--log-max-size S` and `--log-keep N` (SPEC 2.2): a file that would grow
/// past `max_size` bytes is renamed NAME.log.1 (the older ones move up, up
/// to NAME.log.KEEP; the oldest goes) and a new one begun.
struct LogRotation {
  std::uint64_t max_size = 0;  // 0: never rotated
  int keep = 5;
};

/// The log folder, held open: every file in it is opened relative to this
/// descriptor, so renaming or replacing the path after the checks redirects
/// nothing.
class LogFolder {
 public:
  /// Makes `path` (0755, its parents as needed) if it is missing, then opens
  /// it without following a symbolic link at its end (a trailing `/` or `/.`
  /// does not make it follow one either). It is walked one folder at a time,
  /// each opened relative to the one before: a folder on the way must be
  /// owned by root or summon's user and writable by no one else unless
  /// sticky, and a link on the way is followed only if root or summon's user
  /// owns it. Returns null, with `error` set to
  /// the reason ("is a symbolic link; give the folder itself", "is owned by
  /// nobody (uid 65534), not by summon's user root (uid 0)", "can be written
  /// by other users (mode 0777) and is not sticky"), when it cannot be made
  /// or opened, is not a folder, is a link, is owned by another user than
  /// summon's effective one, or can be written by its group or others without
  /// the sticky bit. A refused folder has had nothing created in it; a
  /// folder made here loses group and other write whatever the umask.
  static std::shared_ptr<const LogFolder> open(const std::string& path, std::string& error,
                                               LogRotation rotation = {});

  ~LogFolder();
  LogFolder(const LogFolder&) = delete;
  LogFolder& operator=(const LogFolder&) = delete;

  /// The path as given, without trailing slashes: what messages show.
  const std::string& path() const { return path_; }

  /// Opens `file_name` (a plain name: `api.log`) in the folder for appending:
  /// created 0600 if missing (what a service prints may be secret), never truncated, never through
  /// a symbolic link, never as a controlling terminal, closed on exec. Returns a closed LogFile,
  /// with `error` set to the sentence to show ("log file /x/api.log: is a symbolic link, not
  /// followed; its output is not written"), when it is a link, is not a regular file, is not owned
  /// by summon's effective user, has other hard links, or cannot be opened.
  LogFile open_file(const std::string& file_name, std::string& error) const;

 private:
  friend class LogFile;
  LogFolder(std::string path, int fd, LogRotation rotation)
      : path_(std::move(path)), fd_(fd), rotation_(rotation) {}
  /// Renames `file_name` and its older ones up by one, dropping the oldest;
  /// why not, if it cannot.
  std::optional<std::string> shift(const std::string& file_name) const;

  std::string path_;
  int fd_;
  LogRotation rotation_;
};

/// One open log file, written with exactly the bytes it is given.
class LogFile {
 public:
  /// No file: append() does nothing.
  LogFile() = default;
  ~LogFile();
  LogFile(LogFile&& other) noexcept;
  LogFile& operator=(LogFile&& other) noexcept;

  bool is_open() const { return fd_ >= 0; }

  /// Appends all of `bytes`, rotating the file where they would take it past
  /// its folder's max size: cut at the end of the last line that fits (a new
  /// file takes at least one line, however long). The first
  /// write or rotation that fails (a full disk, an I/O error) closes the file
  /// and returns the sentence to show ("log file /x/api.log: No space left
  /// on device; its output from now on is not written"); what was written
  /// before stays, and later calls do nothing and return nothing, so a loss
  /// is told once.
  std::optional<std::string> append(std::string_view bytes);

 private:
  friend class LogFolder;
  LogFile(const LogFolder* folder, std::string name, std::string path, int fd, std::uint64_t size)
      : folder_(folder), name_(std::move(name)), path_(std::move(path)), fd_(fd), size_(size) {}
  std::optional<std::string> write(std::string_view bytes);
  std::optional<std::string> rotate();
  std::optional<std::string> lost(const std::string& why);

  const LogFolder* folder_ = nullptr;  // outlives its files
  std::string name_;                   // in the folder
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace summon::runtime

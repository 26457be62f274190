#include "runtime/proc_entry.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace summon::runtime {

std::string read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buffer[8192];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return text;
}

std::string read_proc_file(pid_t pid, const char* name) {
  return read_whole_file("/proc/" + std::to_string(pid) + "/" + name);
}

std::vector<std::string> stat_fields(pid_t pid) {
  const std::string stat = read_proc_file(pid, "stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::vector<std::string> fields;
  std::istringstream in(stat.substr(close + 1));
  for (std::string field; in >> field;) fields.push_back(std::move(field));
  return fields;
}

std::vector<pid_t> all_processes() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (!proc) return pids;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && number > 0) pids.push_back(static_cast<pid_t>(number));
  }
  ::closedir(proc);
  return pids;
}

}  // namespace summon::runtime

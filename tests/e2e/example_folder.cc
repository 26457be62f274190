// Copies of examples/ for end-to-end runs, and what a run left behind.
#include "example_folder.hpp"

#include <fstream>
#include <iterator>
#include <regex>

#include "processes.hpp"

namespace summon::testing {

namespace fs = std::filesystem;

ExampleFolder::ExampleFolder(const std::string& name) {
  const fs::path source = source_root("examples/" + name);
  fs::permissions(dir(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  for (auto entry = fs::recursive_directory_iterator(source);
       entry != fs::recursive_directory_iterator(); ++entry) {
    const auto leaf = entry->path().filename();
    if (entry->is_directory() && (leaf == "runtime" || leaf == "data" || leaf == "__pycache__")) {
      entry.disable_recursion_pending();
      continue;
    }
    const auto relative = fs::relative(entry->path(), source);
    const auto target = dir() / relative;
    if (entry->is_directory()) {
      fs::create_directory(target, entry->path());
    } else {
      fs::copy_file(entry->path(), target);
      files_[relative.string()] = read_text(target.string());
    }
  }
}

RunOptions ExampleFolder::options() const {
  RunOptions options = in_folder(dir().string(), {{"NO_COLOR", std::nullopt}});
  options.own_process_group = true;
  options.timeout = std::chrono::seconds(30);
  return options;
}

RunResult ExampleFolder::summon(const std::vector<std::string>& args) const {
  return run_summon(args, options());
}

std::vector<std::string> ExampleFolder::changed_files() const {
  std::vector<std::string> changed;
  for (const auto& [relative, content] : files_) {
    const auto file = dir() / relative;
    if (!fs::exists(file))
      changed.push_back(relative + " is gone");
    else if (read_text(file.string()) != content)
      changed.push_back(relative + " changed");
  }
  return changed;
}

std::vector<pid_t> started_pids(const std::string& out) {
  static const std::regex started(R"(\[summon\] \S+ started \(pid (\d+)\))");
  std::vector<pid_t> pids;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), started);
       it != std::sregex_iterator(); ++it)
    pids.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  return pids;
}

std::vector<std::string> leftovers(const std::string& out, const fs::path& folder) {
  std::vector<std::string> found;
  // Each service leads a process group of its own (pgid == pid).
  for (pid_t pid : started_pids(out)) {
    if (alive(pid)) found.push_back("pid " + std::to_string(pid) + " is alive");
    for (pid_t member : group_members(pid))
      if (member != pid)
        found.push_back("pid " + std::to_string(member) + " of group " + std::to_string(pid) +
                        " is alive");
  }
  // Anything that left its group but still works in the example's folder.
  std::error_code error;
  const auto root = fs::canonical(folder, error).string();
  if (error) return found;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code unreadable;
    const auto cwd = fs::read_symlink(entry.path() / "cwd", unreadable).string();
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (!unreadable && (cwd == root || cwd.starts_with(root + "/")) && alive(pid))
      found.push_back("pid " + name + " is alive in " + cwd);
  }
  return found;
}

}  // namespace summon::testing

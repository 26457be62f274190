#include "cli/file_lookup.hpp"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "config/procfile.hpp"

namespace summon::cli {

namespace fs = std::filesystem;

namespace {

bool looks_like_file(const std::string& arg) {
  std::error_code error;
  return fs::exists(arg, error) || arg.ends_with(".yaml") || arg.ends_with(".yml") ||
         config::is_procfile(arg);
}

// A folder stands for the services file in it.
std::optional<std::string> file_in(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  for (const char* name : {"services.yaml", "summon.yaml", "Procfile"}) {
    fs::path candidate = fs::path(path) / name;
    if (fs::exists(candidate, ec)) return candidate.lexically_normal().string();
  }
  error = fmt::format("{}: error: no services.yaml, summon.yaml or Procfile in this folder", path);
  return std::nullopt;
}

}  // namespace

std::optional<Target> find_target(const std::vector<std::string>& file_flags,
                                  std::vector<std::string> positionals, std::string& error) {
  Target target;
  std::optional<std::string> given;
  if (!positionals.empty() && looks_like_file(positionals.front())) {
    if (!file_flags.empty()) {
      error = fmt::format("summon: error: the file is given twice ('{}' and -f '{}'); give it once",
                          positionals.front(), file_flags.front());
      return std::nullopt;
    }
    given = positionals.front();
    positionals.erase(positionals.begin());
  } else if (!file_flags.empty()) {
    given = file_flags.front();
    for (std::size_t k = 1; k < file_flags.size(); ++k) {
      auto more = file_in(file_flags[k], error);
      if (!more) return std::nullopt;
      target.merged.push_back(*more);
    }
  } else if (const char* env = std::getenv("SUMMON_FILE"); env && *env) {
    given = env;
  }
  if (!given) {
    std::string ignored;
    auto found = file_in(".", ignored);
    if (!found) {
      error =
          "summon: error: no services.yaml, summon.yaml or Procfile here; name the file (summon "
          "check FILE), or use -f FILE or $SUMMON_FILE";
      return std::nullopt;
    }
    given = fs::path(*found).filename().string();
  }
  auto file = file_in(*given, error);
  if (!file) return std::nullopt;
  target.file = *file;
  target.services = std::move(positionals);
  return target;
}

}  // namespace summon::cli

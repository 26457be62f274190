// Loading inline YAML in tests: `load_or_fail(R"(services: …)")` and `errors_of`.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "graph/compile.hpp"

namespace summon::testing {

/// A fresh folder under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "summon-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// The path of `name` in this folder.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  /// Writes `text` to the file `name` in this folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

/// The file's whole content, "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Variables for interpolation in tests; nothing comes from the real environment.
inline config::LoadOptions with_env(std::map<std::string, std::string> vars) {
  config::LoadOptions options;
  options.getenv = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

/// Compiles `yaml` as the file `path` (by default services.yaml in the current folder).
inline graph::CompiledProject compile(const std::string& yaml,
                                      const config::LoadOptions& options = with_env({}),
                                      const std::string& path = "services.yaml") {
  return graph::compile_project_text(yaml, path, options);
}

/// Every diagnostic of compiling `yaml`, formatted, in file order.
inline std::vector<std::string> errors_of(const std::string& yaml,
                                          const config::LoadOptions& options = with_env({})) {
  std::vector<std::string> out;
  for (const auto& d : compile(yaml, options).diagnostics.sorted()) out.push_back(d.format());
  return out;
}

/// The project of `yaml`, failing the test (and printing why) if it has errors.
inline config::ProjectSpec load_or_fail(const std::string& yaml,
                                        const config::LoadOptions& options = with_env({})) {
  auto compiled = compile(yaml, options);
  for (const auto& d : compiled.diagnostics.sorted()) FAIL_CHECK(d.format());
  REQUIRE(compiled.ok());
  return *compiled.project;
}

}  // namespace summon::testing

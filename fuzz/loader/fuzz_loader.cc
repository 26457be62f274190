// libFuzzer target: any bytes through the whole configuration compiler, as
// `summon check` and `summon config` take them, then through what the runtime
// will ask of a valid project (its environments, layers and subsets).
// An input with a line `%%` is several files (see several_files below).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/environment.hpp"
#include "graph/compile.hpp"

namespace {

using namespace summon;

// The file's folder does not exist, so `.env` and relative env_file entries are
// never found and the fuzzer reads nothing of the machine's through them.
constexpr const char* fake_path = "/nonexistent-summon-fuzz/services.yaml";

// A few variables are set (one of them empty), so interpolation takes every path.
std::optional<std::string> fake_getenv(const std::string& name) {
  if (name == "HOME") return "/home/fuzz";
  if (name == "PORT") return "8080";
  if (name == "EMPTY") return "";
  if (name == "PASSWORD") return "hunter2";
  return std::nullopt;
}

void use_project(const graph::CompiledProject& compiled, const config::PortMap& ports) {
  const auto& project = *compiled.project;
  const auto& graph = *compiled.graph;
  config::EnvList base{{"PATH", "/usr/bin:/bin"}, {"HOME", "/home/fuzz"}};
  for (const auto& service : project.services)
    (void)config::service_environment(project, service, base, ports);
  (void)config::run_environment(project, base, ports);
  (void)graph.layers();
  (void)graph.topological_order();

  // A subset naming the last service, and one naming a service that is not there.
  config::Diagnostics diagnostics;
  if (graph.size() > 0)
    (void)graph::select_services(graph, {graph.name(graph.size() - 1)}, fake_path, diagnostics);
  (void)graph::select_services(graph,
                               {project.services.empty() ? "x" : project.services[0].name + "x"},
                               fake_path, diagnostics);
  for (const auto& d : diagnostics.sorted()) (void)d.format();
}

// The line that splits an input into files. `%` starts a YAML directive, so
// it is rare in a services file, and one byte less for the fuzzer to find.
constexpr std::string_view file_marker = "\n%%\n";

// The files the pieces of an input become, in order, so that they can
// include and extend one another by these names; the last is the override.
constexpr const char* piece_names[] = {"main.yaml", "b.yaml", "c.yaml", "main.override.yaml"};

// A folder of this process's own, emptied before each input and removed at exit.
const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "summon-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    std::atexit([] { std::filesystem::remove_all(scratch_folder()); });
    return std::filesystem::path(pattern);
  }();
  return folder;
}

std::vector<std::string> split_files(const std::string& text) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (pieces.size() + 1 < std::size(piece_names)) {
    auto at = text.find(file_marker, start);
    if (at == std::string::npos) break;
    pieces.push_back(text.substr(start, at + 1 - start));
    start = at + file_marker.size();
  }
  pieces.push_back(text.substr(start));  // the last piece keeps any further markers
  return pieces;
}

// Several files: each piece written to its file in a fresh folder, then
// main.yaml loaded (with b.yaml as a second -f for some inputs), through
// include, extends and the override between them.
graph::CompiledProject several_files(const std::string& text, const config::LoadOptions& options,
                                     std::uint8_t choice) {
  const auto& folder = scratch_folder();
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    std::filesystem::remove_all(entry.path());
  auto pieces = split_files(text);
  for (std::size_t i = 0; i < pieces.size(); ++i)
    std::ofstream(folder / piece_names[i], std::ios::binary) << pieces[i];
  std::vector<std::string> files{(folder / "main.yaml").string()};
  if (choice & 1) files.push_back((folder / "b.yaml").string());
  config::LoadOptions with = options;
  with.no_override = choice & 2;
  if (choice & 4) with.profiles = {"debug"};
  if (choice & 8) with.named = {"api"};
  return graph::compile_project_files(files, with);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const config::PortMap ports{{"pg", 5432}, {"api", 8080}, {"web", 65535}};
  config::LoadOptions options;
  options.getenv = fake_getenv;
  // Half of the inputs as `summon check` reads them (ports left as written), half
  // as `up` will (ports picked), chosen by the input so that a crash reproduces.
  if (size % 2 == 0) options.ports = &ports;

  std::string text(reinterpret_cast<const char*>(data), size);
  // The options of several files are chosen by the size too (its other bits).
  auto compiled = text.find(file_marker) != std::string::npos
                      ? several_files(text, options, static_cast<std::uint8_t>(size >> 1))
                      : graph::compile_project_text(text, fake_path, options);
  for (const auto& d : compiled.diagnostics.sorted()) (void)d.format();
  if (compiled.ok()) use_project(compiled, ports);
  return 0;
}

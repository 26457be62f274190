// libFuzzer target: any bytes through the whole configuration compiler, as
// `summon check` and `summon config` take them, then through what the runtime
// will ask of a valid project (its environments, layers and subsets).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const config::PortMap ports{{"pg", 5432}, {"api", 8080}, {"web", 65535}};
  config::LoadOptions options;
  options.getenv = fake_getenv;
  // Half of the inputs as `summon check` reads them (ports left as written), half
  // as `up` will (ports picked), chosen by the input so that a crash reproduces.
  if (size % 2 == 0) options.ports = &ports;

  std::string text(reinterpret_cast<const char*>(data), size);
  auto compiled = graph::compile_project_text(text, fake_path, options);
  for (const auto& d : compiled.diagnostics.sorted()) (void)d.format();
  if (compiled.ok()) use_project(compiled, ports);
  return 0;
}

#include "config/loader.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "config/compose.hpp"
#include "config/dotenv.hpp"
#include "config/node.hpp"
#include "config/procfile.hpp"
#include "config/profiles.hpp"
#include "config/reader.hpp"
#include "config/schema.hpp"
#include "config/source.hpp"
#include "config/suggest.hpp"
#include "config/supervision_check.hpp"

namespace summon::config {

namespace {

std::optional<std::string> environment_variable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

// The `.env` beside the config file: values for interpolation only.
EnvList interpolation_dotenv(const std::string& dir, Diagnostics& diagnostics) {
  auto path = std::filesystem::path(dir) / ".env";
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return {};
  auto loaded = load_dotenv(path.string(), diagnostics);
  return loaded ? *loaded : EnvList{};
}

// The names under `ports:`, with duplicates reported.
std::vector<std::string> declared_ports(const Node& root, const std::string& file,
                                        Diagnostics& diagnostics) {
  std::vector<std::string> names;
  const Node* ports = root.find("ports");
  if (!ports || !ports->is_seq()) return names;
  std::vector<const Node*> seen;
  for (const auto& item : ports->items) {
    if (!item.is_string()) continue;
    auto first =
        std::find_if(seen.begin(), seen.end(), [&](const Node* n) { return n->text == item.text; });
    if (first != seen.end()) {
      diagnostics.error(file, item.mark,
                        fmt::format("port name '{}' is declared twice (first at line {})",
                                    item.text, (*first)->mark.line));
      continue;
    }
    // `a-b` and `a_b`, or `api` and `API`, would share one SUMMON_PORT_ variable.
    auto same_variable = std::find_if(seen.begin(), seen.end(), [&](const Node* n) {
      return port_variable(n->text) == port_variable(item.text);
    });
    if (same_variable != seen.end()) {
      diagnostics.error(file, item.mark,
                        fmt::format("port names '{}' and '{}' (line {}) both give {}; rename one",
                                    item.text, (*same_variable)->text,
                                    (*same_variable)->mark.line, port_variable(item.text)));
      continue;
    }
    seen.push_back(&item);
    names.push_back(item.text);
  }
  return names;
}

void check_dependencies(const ProjectSpec& project, const std::string& file,
                        Diagnostics& diagnostics) {
  std::vector<std::string> names;
  for (const auto& service : project.services) names.push_back(service.name);
  const std::unordered_set<std::string> known(names.begin(), names.end());
  for (const auto& service : project.services)
    for (const auto& dependency : service.depends_on) {
      if (dependency.service == service.name) {
        diagnostics.error(file, dependency.mark,
                          fmt::format("service '{}' depends on itself", service.name));
      } else if (!known.contains(dependency.service)) {
        // Suggestions cost a pass over every name: only for errors that will be shown.
        bool shown = diagnostics.size() < Diagnostics::limit;
        diagnostics.error(
            file, dependency.mark,
            fmt::format("service '{}' depends on unknown service '{}'{}", service.name,
                        dependency.service, shown ? did_you_mean(dependency.service, names) : ""));
      }
    }
}

ProjectSpec read_project(Reader& reader, const Node& root, std::vector<std::string> ports) {
  ProjectSpec project;
  project.file = reader.file();
  project.dir = reader.dir();
  project.name = std::filesystem::path(reader.dir()).filename().string();
  if (const Node* name = root.find("name"))
    if (auto text = reader.string(*name)) project.name = *text;
  if (const Node* env_file = root.find("env_file"))
    project.env_file_env = read_env_files(reader, *env_file);
  if (const Node* env = root.find("env")) project.env = reader.env_map(*env);
  project.ports = std::move(ports);
  if (const Node* services = root.find("services"); services && services->is_map())
    for (const auto& [key, node] : services->members) {
      if (key.text.starts_with("x-")) continue;
      if (auto service = read_service(reader, key, node))
        project.services.push_back(std::move(*service));
    }
  return project;
}

// One part of the project (the given files, or an included one), read with
// its own folder and `.env`. `ports` are every part's, so any may use them.
ProjectSpec read_part(const Part& part, const std::vector<std::string>& ports,
                      const LoadOptions& options, Diagnostics& diagnostics,
                      std::map<std::string, std::string>& read) {
  auto dotenv = std::make_shared<EnvList>(part.from_memory ? EnvList{}
                                                           : interpolation_dotenv(part.dir, diagnostics));
  auto getenv = options.getenv ? options.getenv : environment_variable;
  InterpolationContext context;
  // What was read is kept: a secret-looking variable's value is a secret
  // wherever the file put it (config/secrets.hpp).
  context.lookup = [getenv, dotenv, &read](const std::string& name) -> std::optional<std::string> {
    auto value = getenv(name);
    // Later lines of a dotenv file win, so search from the end.
    for (auto it = dotenv->rbegin(); !value && it != dotenv->rend(); ++it)
      if (it->first == name) value = it->second;
    if (value) read.insert_or_assign(name, *value);
    return value;
  };
  context.declared_ports = ports;
  context.ports = options.ports;
  context.project_dir = part.dir;
  Reader reader(part.file, part.dir, context, diagnostics);
  return read_project(reader, part.root, ports);
}

// An included part's services join the project; its top-level env_file and
// env are the base of each of its services' own.
void add_included(ProjectSpec& project, ProjectSpec part) {
  for (auto& service : part.services) {
    EnvList base = part.env_file_env;
    base.insert(base.end(), part.env.begin(), part.env.end());
    base.insert(base.end(), service.env_file_env.begin(), service.env_file_env.end());
    service.env_file_env = std::move(base);
    project.services.push_back(std::move(service));
  }
}

// A service name given by two parts.
void check_unique(const ProjectSpec& project, Diagnostics& diagnostics) {
  std::unordered_map<std::string_view, const ServiceSpec*> seen;
  for (const auto& service : project.services) {
    auto [first, inserted] = seen.try_emplace(service.name, &service);
    if (inserted) continue;
    const Mark& at = first->second->mark;
    diagnostics.error(project.file, service.mark,
                      fmt::format("service '{}' is defined twice: here and at {}:{}:{}",
                                  service.name, at.file ? *at.file : project.file, at.line,
                                  at.column));
  }
}

// Every part's schema, then its values, then the checks across all of them.
LoadResult load_parts(Composition composition, const LoadOptions& options,
                      Diagnostics diagnostics) {
  LoadResult result;
  std::vector<std::string> ports;
  std::vector<const Part*> readable;
  for (const auto& part : composition.parts) {
    if (!check_schema(part.root, part.file, diagnostics) && !part.root.is_map()) continue;
    readable.push_back(&part);
    if (options.origins) options.origins->add_part(part.root, part.included);
    for (auto& name : declared_ports(part.root, part.file, diagnostics))
      if (std::find(ports.begin(), ports.end(), name) == ports.end()) ports.push_back(name);
  }
  if (readable.empty() || readable.front()->included) {
    result.diagnostics = std::move(diagnostics);
    return result;
  }
  std::map<std::string, std::string> read;
  ProjectSpec project = read_part(*readable.front(), ports, options, diagnostics, read);
  for (std::size_t k = 1; k < readable.size(); ++k)
    add_included(project, read_part(*readable[k], ports, options, diagnostics, read));
  project.variables.assign(read.begin(), read.end());
  project.sources = std::move(composition.files);
  check_unique(project, diagnostics);
  apply_profiles(project, options.profiles, options.named, diagnostics);
  check_dependencies(project, project.file, diagnostics);
  check_supervision(project, project.file, diagnostics);
  result.project = std::move(project);
  result.diagnostics = std::move(diagnostics);
  return result;
}

LoadResult load_files(const std::vector<std::string>& files, const LoadOptions& options,
                      const std::string* first_text) {
  LoadResult result;
  if (files.empty()) {
    result.diagnostics.error("", {}, "no services file given");
    return result;
  }
  if (std::any_of(files.begin(), files.end(), is_procfile)) {
    if (files.size() > 1) {
      result.diagnostics.error(files.front(), {},
                               "a Procfile cannot be merged with other files; `summon config "
                               "Procfile` prints it as a services file to merge instead");
      return result;
    }
    if (first_text) {
      if (!check_text(*first_text, files.front(), result.diagnostics)) return result;
      return load_procfile_text(*first_text, files.front(), options);
    }
    auto text = read_source(files.front(), result.diagnostics);
    if (!text) return result;
    return load_procfile_text(*text, files.front(), options);
  }
  auto composition = compose(files, options.no_override, result.diagnostics, first_text);
  if (!composition) return result;
  return load_parts(std::move(*composition), options, std::move(result.diagnostics));
}

}  // namespace

LoadResult load_project_text(const std::string& text, const std::string& path,
                             const LoadOptions& options) {
  return load_files({path}, options, &text);
}

LoadResult load_project_tree(const Node& root, const std::string& name, const std::string& dir,
                             const LoadOptions& options) {
  Composition composition;
  composition.parts.push_back(Part{root, name, dir, false, true});
  return load_parts(std::move(composition), options, {});
}

LoadResult load_project(const std::string& path, const LoadOptions& options) {
  return load_files({path}, options, nullptr);
}

LoadResult load_project_files(const std::vector<std::string>& files, const LoadOptions& options) {
  return load_files(files, options, nullptr);
}

}  // namespace summon::config

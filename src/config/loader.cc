#include "config/loader.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "config/dotenv.hpp"
#include "config/node.hpp"
#include "config/procfile.hpp"
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

// Everything after parsing and the schema: interpolation, typed reading and
// the dependency names.
ProjectSpec read_checked(const Node& root, const std::string& path, const std::string& dir,
                         EnvList dotenv_values, const LoadOptions& options,
                         Diagnostics& diagnostics) {
  auto dotenv = std::make_shared<EnvList>(std::move(dotenv_values));
  auto getenv = options.getenv ? options.getenv : environment_variable;
  // What was read is kept: a secret-looking variable's value is a secret
  // wherever the file put it (config/secrets.hpp).
  auto read = std::make_shared<std::map<std::string, std::string>>();
  InterpolationContext context;
  context.lookup = [getenv, dotenv, read](const std::string& name) -> std::optional<std::string> {
    auto value = getenv(name);
    // Later lines of a dotenv file win, so search from the end.
    for (auto it = dotenv->rbegin(); !value && it != dotenv->rend(); ++it)
      if (it->first == name) value = it->second;
    if (value) read->insert_or_assign(name, *value);
    return value;
  };
  context.declared_ports = declared_ports(root, path, diagnostics);
  context.ports = options.ports;
  context.project_dir = dir;

  Reader reader(path, dir, context, diagnostics);
  ProjectSpec project = read_project(reader, root, context.declared_ports);
  project.variables.assign(read->begin(), read->end());
  check_dependencies(project, path, diagnostics);
  check_supervision(project, path, diagnostics);
  return project;
}

}  // namespace

LoadResult load_project_text(const std::string& text, const std::string& path,
                             const LoadOptions& options) {
  LoadResult result;
  Diagnostics& diagnostics = result.diagnostics;
  if (!check_text(text, path, diagnostics)) return result;
  if (is_procfile(path)) return load_procfile_text(text, path, options);
  auto root = parse_yaml(text, path, diagnostics);
  if (!root) return result;
  if (!check_schema(*root, path, diagnostics) && !root->is_map()) return result;

  std::string dir = std::filesystem::absolute(path).parent_path().lexically_normal().string();
  EnvList dotenv = interpolation_dotenv(dir, diagnostics);
  result.project = read_checked(*root, path, dir, std::move(dotenv), options, diagnostics);
  return result;
}

LoadResult load_project_tree(const Node& root, const std::string& name, const std::string& dir,
                             const LoadOptions& options) {
  LoadResult result;
  if (!check_schema(root, name, result.diagnostics) && !root.is_map()) return result;
  result.project = read_checked(root, name, dir, {}, options, result.diagnostics);
  return result;
}

LoadResult load_project(const std::string& path, const LoadOptions& options) {
  LoadResult result;
  auto text = read_source(path, result.diagnostics);
  if (!text) return result;
  return load_project_text(*text, path, options);
}

}  // namespace summon::config

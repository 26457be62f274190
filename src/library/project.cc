// Project: a services file, or services declared in C++ turned into the
// document such a file would parse into.
#include <summon/errors.hpp>
#include <summon/project.hpp>

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <re2/re2.h>

#include "library/access.hpp"
#include "library/document.hpp"

namespace summon {

namespace {

using library::set_member;
using library::string_node;

// Declared in code, every part of the document is stamped with a made-up
// line: 1 for the project's own keys, 2 + i for service i; each node gets a
// column of its own, for the reader keeps one error per position. Diagnostics
// are then moved to where that part was written in C++.
int made_up_line(std::size_t part) {
  return static_cast<int>(part) + 1;
}

// Messages that point at another made-up line ("first at line 1") would
// mislead: the place they are moved to says it better.
std::string without_made_up_lines(const std::string& message) {
  static const RE2 line_reference(R"( \(first at line \d+\))");
  std::string text = message;
  RE2::GlobalReplace(&text, line_reference, "");
  return text;
}

config::Diagnostics placed_in_code(const config::Diagnostics& found,
                                   const std::vector<std::source_location>& parts) {
  config::Diagnostics placed;
  for (const auto& each : found.items()) {
    const auto part =
        each.mark.line >= 1 && static_cast<std::size_t>(each.mark.line) <= parts.size()
            ? static_cast<std::size_t>(each.mark.line) - 1
            : 0;
    const auto& where = parts[part];
    placed.error(where.file_name(),
                 {static_cast<int>(where.line()), static_cast<int>(where.column())},
                 without_made_up_lines(each.message));
  }
  return placed;
}

std::string file_stem(const char* path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

graph::CompiledProject Project::Impl::compile(const config::PortMap* picked) const {
  config::LoadOptions options;
  options.ports = picked;
  if (file) {
    options.profiles = load_options.profiles;
    options.no_override = !load_options.override_file;
    std::vector<std::string> files{*file};
    files.insert(files.end(), merged.begin(), merged.end());
    return graph::compile_project_files(files, options);
  }

  std::vector<std::source_location> parts = {where};
  config::Node root = library::map_node();
  set_member(root, "name", string_node(name));
  if (!env.empty()) {
    config::Node& variables = library::member_map(root, "env");
    for (const auto& [key, value] : env) set_member(variables, key, string_node(value));
  }
  if (!ports.empty()) set_member(root, "ports", library::list_node(ports));
  library::stamp(root, made_up_line(0));

  config::Diagnostics twice;
  config::Node& entries = library::member_map(root, "services");
  entries.mark = {made_up_line(0), 0};
  for (const auto& service : services) {
    const auto& declared = ServiceAccess::impl(service);
    for (const auto& [key, _] : entries.members)
      if (key.text == declared.name)
        twice.error({}, {made_up_line(parts.size()), 0},
                    fmt::format("service '{}' is declared twice", declared.name));
    config::Node node = declared.node;
    library::stamp(node, made_up_line(parts.size()));
    entries.members.emplace_back(config::Key{declared.name, {made_up_line(parts.size()), 0}},
                                 std::move(node));
    parts.push_back(declared.where);
  }

  auto compiled = graph::compile_project_tree(root, where.file_name(), folder, options);
  for (const auto& each : twice.items()) compiled.diagnostics.error({}, each.mark, each.message);
  compiled.diagnostics = placed_in_code(compiled.diagnostics, parts);
  return compiled;
}

Project Project::load(const std::string& path) {
  return load({path}, LoadOptions{});
}

Project Project::load(const std::vector<std::string>& files, const LoadOptions& options) {
  if (files.empty()) throw std::invalid_argument("summon::Project::load: no file given");
  auto impl = std::make_shared<Impl>();
  // As given, in this first report.
  impl->file = files.front();
  impl->merged.assign(files.begin() + 1, files.end());
  impl->load_options = options;
  auto compiled = impl->compile(nullptr);
  if (!compiled.ok()) throw_config_error(compiled);
  // Absolute from now on: a Session may start after the program has changed folder.
  auto absolute = [](const std::string& path) {
    return std::filesystem::absolute(path).lexically_normal().string();
  };
  impl->file = absolute(files.front());
  for (auto& file : impl->merged) file = absolute(file);
  impl->name = compiled.project->name;
  for (const auto& service : compiled.project->services) impl->loaded.push_back(service.name);
  return Project(std::move(impl));
}

Project::Project(std::string name, std::source_location where) : impl_(std::make_shared<Impl>()) {
  impl_->name = name.empty() ? file_stem(where.file_name()) : std::move(name);
  impl_->where = where;
  impl_->folder = std::filesystem::current_path().string();
}

Project::Impl& Project::own() {
  if (impl_.use_count() > 1) impl_ = std::make_shared<Impl>(*impl_);
  return *impl_;
}

Project& Project::add(Service service) {
  if (impl_->file)
    throw std::logic_error("summon::Project::add: " + *impl_->file +
                           " is a loaded file; declare services in code in a Project of their own");
  own().services.push_back(std::move(service));
  return *this;
}

Project& Project::port(std::string name) {
  if (impl_->file)
    throw std::logic_error("summon::Project::port: a loaded file declares its own ports");
  own().ports.push_back(std::move(name));
  return *this;
}

Project& Project::env(std::string name, std::string value) {
  if (impl_->file)
    throw std::logic_error("summon::Project::env: a loaded file declares its own env");
  own().env.emplace_back(std::move(name), std::move(value));
  return *this;
}

Project& Project::folder(std::string path) {
  if (impl_->file)
    throw std::logic_error("summon::Project::folder: a loaded file's folder is its own");
  own().folder = std::filesystem::absolute(path).lexically_normal().string();
  return *this;
}

void Project::check() const {
  auto compiled = impl_->compile(nullptr);
  if (!compiled.ok()) throw_config_error(compiled);
}

const std::string& Project::name() const {
  return impl_->name;
}

std::vector<std::string> Project::services() const {
  if (impl_->file) return impl_->loaded;
  std::vector<std::string> names;
  for (const auto& service : impl_->services) names.push_back(service.name());
  return names;
}

}  // namespace summon

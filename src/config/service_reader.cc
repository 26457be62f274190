// One service's keys (SPEC 1.2).
#include <algorithm>
#include <csignal>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>
#include <pwd.h>

#include "config/dotenv.hpp"
#include "config/reader.hpp"
#include "config/suggest.hpp"

namespace summon::config {

namespace {

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName signal_names[] = {
    {"TERM", SIGTERM}, {"INT", SIGINT},   {"HUP", SIGHUP},   {"QUIT", SIGQUIT},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH},
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"PWR", SIGPWR},   {"STOP", SIGSTOP},
};

// "TERM", "SIGTERM", "term" or a number.
std::optional<int> read_signal(Reader& reader, const Node& node) {
  auto text = reader.string(node);
  if (!text) return std::nullopt;
  if (!text->empty() && std::all_of(text->begin(), text->end(), ::isdigit))
    return reader.integer(node, "signal", 1, SIGRTMAX);
  std::string name;
  for (char c : *text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (const auto& known : signal_names)
    if (name == known.name) return known.number;
  std::vector<std::string> names;
  for (const auto& known : signal_names) names.emplace_back(known.name);
  reader.error(node.mark, fmt::format("unknown signal '{}'{}", *text, did_you_mean(name, names)));
  return std::nullopt;
}

std::optional<Condition> read_condition(Reader& reader, const Node& node) {
  auto text = reader.string(node);
  if (text == "started") return Condition::started;
  if (text == "ready") return Condition::ready;
  if (text == "completed") return Condition::completed;
  return std::nullopt;  // the schema names the allowed ones
}

// One entry of the map form: a condition word, or {condition, restart}.
std::optional<Dependency> read_dependency(Reader& reader, const Key& key, const Node& value) {
  Dependency dependency{.service = key.text, .condition = Condition::ready, .mark = key.mark};
  if (!value.is_map()) {
    auto condition = read_condition(reader, value);
    if (!condition) return std::nullopt;
    dependency.condition = *condition;
    return dependency;
  }
  if (const Node* condition = value.find("condition")) {
    auto word = read_condition(reader, *condition);
    if (!word) return std::nullopt;
    dependency.condition = *word;
  }
  if (const Node* restart = value.find("restart")) {
    if (restart->kind != Node::Kind::boolean) return std::nullopt;  // the schema says so
    dependency.restart = restart->text.front() == 't' || restart->text.front() == 'T';
  }
  return dependency;
}

std::vector<Dependency> read_depends_on(Reader& reader, const Node& node) {
  std::vector<Dependency> out;
  if (node.is_seq()) {
    for (const auto& item : node.items)
      if (auto name = reader.string(item))
        out.push_back({.service = *name, .condition = Condition::ready, .mark = item.mark});
  } else if (node.is_map()) {
    for (const auto& [key, value] : node.members) {
      if (key.text.starts_with("x-")) continue;
      if (auto dependency = read_dependency(reader, key, value))
        out.push_back(std::move(*dependency));
    }
  }
  return out;
}

}  // namespace

EnvList read_env_files(Reader& reader, const Node& node) {
  EnvList out;
  std::vector<const Node*> entries;  // a single path, or each path of a list
  if (node.is_seq())
    for (const auto& item : node.items) entries.push_back(&item);
  else
    entries.push_back(&node);
  for (const Node* entry : entries) {
    auto path = reader.path(*entry, reader.dir());
    if (!path) continue;
    std::error_code error;
    if (!std::filesystem::is_regular_file(*path, error)) {
      reader.error(entry->mark, fmt::format("env_file '{}' is not a readable file", *path));
      continue;
    }
    // Problems inside the dotenv file are reported at its own lines.
    if (auto loaded = load_dotenv(*path, reader.diagnostics()))
      out.insert(out.end(), loaded->begin(), loaded->end());
  }
  return out;
}

std::optional<ServiceSpec> read_service(Reader& reader, const Key& key, const Node& node) {
  if (!node.is_map()) return std::nullopt;
  ServiceSpec service;
  service.name = key.text;
  service.mark = key.mark;
  service.cwd = reader.dir();
  reader.enter_service(std::nullopt);
  if (const Node* cwd = node.find("cwd"))
    if (auto path = reader.path(*cwd, reader.dir())) service.cwd = *path;
  reader.enter_service(service.cwd);
  if (const Node* command = node.find("command"))
    if (auto parsed = reader.command(*command)) service.command = std::move(*parsed);
  if (const Node* env_file = node.find("env_file"))
    service.env_file_env = read_env_files(reader, *env_file);
  if (const Node* env = node.find("env")) service.env = reader.env_map(*env);
  if (const Node* depends_on = node.find("depends_on"))
    service.depends_on = read_depends_on(reader, *depends_on);
  if (const Node* ready = node.find("ready")) service.ready = read_probe(reader, *ready, service.cwd);
  if (const Node* stop = node.find("stop"); stop && stop->is_map()) {
    if (const Node* signal = stop->find("signal"))
      if (auto number = read_signal(reader, *signal)) service.stop.signal = *number;
    if (const Node* timeout = stop->find("timeout"))
      if (auto value = reader.duration(*timeout, "timeout")) service.stop.timeout = *value;
  }
  if (const Node* user = node.find("user")) {
    if (auto name = reader.string(*user)) {
      if (::getpwnam(name->c_str()) == nullptr)
        reader.error(user->mark, fmt::format("unknown user '{}' (not in the password database)",
                                             *name));
      service.user = *name;
    }
  }
  if (const Node* profiles = node.find("profiles"))
    for (const auto& item : profiles->items)
      if (item.is_string()) service.profiles.push_back(item.text);
  read_supervision(reader, node, service);
  reader.leave_service();
  return service;
}

}  // namespace summon::config

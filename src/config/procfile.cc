#include "config/procfile.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "config/dotenv.hpp"

namespace summon::config {

namespace {

constexpr std::string_view blanks = " \t";
constexpr std::size_t max_name = 63;  // SPEC 1.1

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_alnum(char c) {
  return is_name_char(c) && c != '_' && c != '-';
}

// A character as a message shows it: printable ASCII as itself, others by code.
std::string shown_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7F) return fmt::format("'{}'", c);
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  return fmt::format("byte 0x{:02X}", byte);
}

// One line (without its end), `number` counting from 1. Columns are byte
// offsets plus one: before the command, only ASCII can stand on a valid line,
// and an error points at the first byte that is not.
void parse_line(std::string_view line, int number, const std::string& file,
                Diagnostics& diagnostics, std::vector<ProcfileLine>& out) {
  auto at = [&](std::size_t offset) { return Mark{number, static_cast<int>(offset) + 1}; };
  std::size_t start = line.find_first_not_of(blanks);
  if (start == std::string_view::npos || line[start] == '#') return;
  std::size_t colon = line.find(':', start);
  if (colon == std::string_view::npos) {
    diagnostics.error(file, at(start),
                      "expected NAME: COMMAND (a process name, a colon, then its command)");
    return;
  }
  if (colon == start) {
    diagnostics.error(file, at(colon), "there is no process name before ':'");
    return;
  }
  // line[start] is not blank, so the name ends at or after it.
  std::size_t end = line.find_last_not_of(blanks, colon - 1);
  std::string_view name = line.substr(start, end + 1 - start);
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!is_name_char(name[i])) {
      diagnostics.error(file, at(start + i),
                        fmt::format("{} cannot be part of a process name: use letters, digits, "
                                    "'_' and '-'",
                                    shown_char(name[i])));
      return;
    }
  if (!is_alnum(name.front())) {
    diagnostics.error(file, at(start),
                      fmt::format("process name '{}' must start with a letter or digit, as a "
                                  "service name does",
                                  name));
    return;
  }
  if (name.size() > max_name) {
    diagnostics.error(file, at(start),
                      fmt::format("the process name is {} characters long; a service name has "
                                  "at most {}",
                                  name.size(), max_name));
    return;
  }
  if (name.starts_with("x-")) {
    diagnostics.error(file, at(start),
                      fmt::format("process name '{}' starts with 'x-', which a services file "
                                  "ignores; rename it",
                                  name));
    return;
  }
  std::size_t command = line.find_first_not_of(blanks, colon + 1);
  if (command == std::string_view::npos) {
    diagnostics.error(file, at(colon + 1), fmt::format("process '{}' has no command", name));
    return;
  }
  std::size_t last = line.find_last_not_of(blanks);
  out.push_back(
      {std::string(name), std::string(line.substr(command, last + 1 - command)), at(start)});
}

std::optional<std::string> environment_variable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

// The `.env` beside the Procfile, every entry of which every process gets.
EnvList beside_dotenv(const std::string& dir, Diagnostics& diagnostics) {
  auto path = std::filesystem::path(dir) / ".env";
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return {};
  auto loaded = load_dotenv(path.string(), diagnostics);
  return loaded ? *loaded : EnvList{};
}

// foreman's base port: PORT from the .env, else from the environment, else 5000.
std::optional<int> base_port(const EnvList& dotenv, const std::string& dir, const std::string& file,
                             const LoadOptions& options, Diagnostics& diagnostics) {
  std::optional<std::string> value;
  std::string where;
  for (auto it = dotenv.rbegin(); it != dotenv.rend() && !value; ++it)
    if (it->first == "PORT") value = it->second, where = (std::filesystem::path(dir) / ".env");
  if (!value) {
    value = (options.getenv ? options.getenv : environment_variable)("PORT");
    where = file;
  }
  if (!value || value->empty()) return procfile_base_port;
  int port = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), port);
  if (error != std::errc() || end != value->data() + value->size() || port < 1 || port > 65535) {
    diagnostics.error(where, {},
                      fmt::format("PORT is '{}'; as foreman does, summon gives it to the first "
                                  "process and adds 100 for each next one, so it must be a port "
                                  "number from 1 to 65535",
                                  value->size() > 40 ? value->substr(0, 40) + "..." : *value));
    return std::nullopt;
  }
  return port;
}

}  // namespace

bool is_procfile(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.ends_with(".yaml") || name.ends_with(".yml")) return false;
  return name == "Procfile" || name.starts_with("Procfile.");
}

std::vector<ProcfileLine> parse_procfile(const std::string& text, const std::string& file,
                                         Diagnostics& diagnostics) {
  std::vector<ProcfileLine> lines;
  std::string_view rest(text);
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  for (int number = 1; !rest.empty(); ++number) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    parse_line(line, number, file, diagnostics, lines);
  }

  std::vector<ProcfileLine> unique;
  std::unordered_map<std::string, int> first_line;
  for (auto& line : lines) {
    auto [first, added] = first_line.emplace(line.name, line.mark.line);
    if (!added) {
      diagnostics.error(file, line.mark,
                        fmt::format("process '{}' is defined twice (first at line {})", line.name,
                                    first->second));
      continue;
    }
    unique.push_back(std::move(line));
  }
  return unique;
}

LoadResult load_procfile_text(const std::string& text, const std::string& path,
                              const LoadOptions& options) {
  LoadResult result;
  Diagnostics& diagnostics = result.diagnostics;
  auto lines = parse_procfile(text, path, diagnostics);
  if (lines.empty() && diagnostics.empty())
    diagnostics.error(path, {}, "the Procfile has no process lines; write NAME: COMMAND lines");

  ProjectSpec project;
  project.file = path;
  project.dir = std::filesystem::absolute(path).parent_path().lexically_normal().string();
  project.name = std::filesystem::path(project.dir).filename().string();
  project.env_file_env = beside_dotenv(project.dir, diagnostics);
  auto base = base_port(project.env_file_env, project.dir, path, options, diagnostics);

  // Ports are numbered by line among the processes, as foreman numbers them.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ServiceSpec service;
    service.name = std::move(lines[i].name);
    service.mark = lines[i].mark;
    service.command.shell = true;
    service.command.argv = {"/bin/sh", "-c", std::move(lines[i].command)};
    service.cwd = project.dir;
    if (base) {
      long port = *base + static_cast<long>(i) * procfile_port_step;
      if (port > 65535) {
        diagnostics.error(path, service.mark,
                          fmt::format("process '{}' would get PORT {}, past 65535: PORT is {} for "
                                      "the first process, plus 100 for each next one",
                                      service.name, port, *base));
        break;
      }
      service.env.emplace_back("PORT", std::to_string(port));
    }
    project.services.push_back(std::move(service));
  }
  result.project = std::move(project);
  return result;
}

}  // namespace summon::config

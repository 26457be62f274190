#include "control/protocol.hpp"

#include <time.h>

#include <ctime>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "config/suggest.hpp"

namespace summon::control {

namespace {

using json = nlohmann::json;

// The fields a request may carry besides "command", as bits.
enum Field : unsigned {
  services_field = 1,
  lines_field = 2,
  since_field = 4,
  follow_field = 8,
  timeout_field = 16,
  every_field = 32,
};

struct FieldName {
  Field field;
  std::string_view name;
};
constexpr FieldName field_names[] = {
    {services_field, "services"}, {lines_field, "lines"},     {since_field, "since"},
    {follow_field, "follow"},     {timeout_field, "timeout"},   {every_field, "every"},
};

struct CommandEntry {
  Command command;
  std::string_view name;
  unsigned fields;  // the Fields it takes
};
constexpr CommandEntry command_table[] = {
    {Command::info, "info", 0},
    {Command::ps, "ps", services_field | follow_field},
    {Command::logs, "logs", services_field | lines_field | since_field | follow_field | every_field},
    {Command::attach, "attach", services_field},
    {Command::stop, "stop", services_field},
    {Command::start, "start", services_field},
    {Command::restart, "restart", services_field},
    {Command::down, "down", timeout_field},
    {Command::timeline, "timeline", 0},
};

const CommandEntry& entry(Command command) {
  for (const auto& candidate : command_table)
    if (candidate.command == command) return candidate;
  return command_table[0];
}

bool needs_services(Command command) {
  return command == Command::stop || command == Command::start || command == Command::restart;
}

std::string command_list() {
  std::string list;
  for (const auto& candidate : command_table)
    list += fmt::format("{}{}", list.empty() ? "" : ", ", candidate.name);
  return list;
}

// What a request wrote, as JSON text, cut short: messages quote it, and a
// request may be 64 KiB of one string.
std::string json_text(std::string_view text) {
  constexpr std::size_t longest = 64;
  std::string shown = json(std::string(text.substr(0, longest)))
                          .dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > longest) shown.insert(shown.size() - 1, "...");
  return shown;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A number of seconds, in [0, max_seconds] (above 0 unless `zero` may be).
std::optional<std::string> seconds_problem(std::string_view field, const json& value, bool zero) {
  if (!value.is_number()) return fmt::format("\"{}\" must be a number of seconds", field);
  const double seconds = value.get<double>();
  if (zero ? seconds < 0 : seconds <= 0)
    return fmt::format("\"{}\" must be {} seconds", field, zero ? "0 or more" : "more than 0");
  if (seconds > max_seconds)
    return fmt::format("\"{}\" must be at most {:.0f} seconds", field, max_seconds);
  return std::nullopt;
}

// Reads field `name` of `value` into `request`; returns what is wrong.
std::optional<std::string> read_field(Field field, const json& value, Request& request) {
  switch (field) {
    case services_field:
      if (!value.is_array()) return "\"services\" must be a list of service names";
      for (const json& name : value) {
        if (!name.is_string()) return "\"services\" must be a list of service names (strings)";
        const auto& text = name.get_ref<const std::string&>();
        if (text.empty()) return "\"services\" holds an empty name";
        if (text.find('\0') != std::string::npos) return "\"services\" holds a name with a NUL";
        request.services.push_back(text);
      }
      return std::nullopt;
    case lines_field:
      if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<long>::max()))
          return "\"lines\" is too large";
        request.lines = static_cast<long>(value.get<std::uint64_t>());
        return std::nullopt;
      }
      if (value.is_number_integer()) return "\"lines\" must be 0 or more";
      if (value.is_number()) return "\"lines\" must be a whole number";
      return "\"lines\" must be a number of lines";
    case since_field:
      if (auto problem = seconds_problem("since", value, true)) return problem;
      request.since_seconds = value.get<double>() + 0.0;  // -0 is 0
      return std::nullopt;
    case follow_field:
      if (!value.is_boolean()) return "\"follow\" must be true or false";
      request.follow = value.get<bool>();
      return std::nullopt;
    case timeout_field:
      if (auto problem = seconds_problem("timeout", value, false)) return problem;
      request.timeout_seconds = value.get<double>();
      return std::nullopt;
    case every_field:
      if (auto problem = seconds_problem("every", value, false)) return problem;
      if (value.get<double>() < min_every_seconds)
        return fmt::format("\"every\" must be at least {} seconds", min_every_seconds);
      request.every_seconds = value.get<double>();
      return std::nullopt;
  }
  return std::nullopt;
}

std::string takes_text(const CommandEntry& command) {
  std::string list;
  for (const auto& field : field_names)
    if (command.fields & field.field)
      list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", field.name);
  return list.empty() ? "it takes none" : "it takes " + list;
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag, cut short.
std::string parse_message(std::string_view what) {
  if (const auto tag_end = what.find("] "); what.starts_with('[') && tag_end != what.npos)
    what.remove_prefix(tag_end + 2);
  constexpr std::size_t longest = 200;
  return what.size() > longest ? std::string(what.substr(0, longest)) + "..." : std::string(what);
}

}  // namespace

std::variant<Request, std::string> parse_request(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.size() > max_message) return fmt::format("request longer than {} bytes", max_message);
  if (line.find('\0') != line.npos) return std::string("request holds a NUL byte");
  if (line.find('\n') != line.npos)
    return std::string("a request is one line; this one holds a line break");

  // Watched while it is parsed: a request is flat (one object, whose
  // "services" is a list of strings), so nothing nested deeper is built at
  // all, and a key written twice is noticed (a JSON object keeps the last).
  std::set<std::string> keys;
  std::string key;
  std::optional<std::string> repeated, nested;
  const auto watch = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      key = parsed.get<std::string>();
      if (!keys.insert(key).second && !repeated) repeated = key;
    }
    const bool opens =
        event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (opens && depth >= 2) {
      if (!nested) nested = key;
      return false;
    }
    return true;
  };
  json document;
  try {
    document = json::parse(line.begin(), line.end(), watch);
  } catch (const json::exception& error) {
    return "request is not JSON: " + parse_message(error.what());
  }
  if (!document.is_object())
    return std::string("a request is a JSON object, such as {\"command\":\"ps\"}");
  if (repeated) return fmt::format("{} is given twice", json_text(*repeated));
  // Whatever the field, a nested value is of the wrong type.
  if (nested && document.contains(*nested)) document[*nested] = nullptr;

  const auto command = document.find("command");
  if (command == document.end())
    return fmt::format("a request needs a \"command\": one of {}", command_list());
  if (!command->is_string())
    return fmt::format("\"command\" must be a string: one of {}", command_list());
  const auto& name = command->get_ref<const std::string&>();
  const CommandEntry* found = nullptr;
  std::vector<std::string> names;
  for (const auto& candidate : command_table) {
    if (candidate.name == name) found = &candidate;
    names.emplace_back(candidate.name);
  }
  if (!found) {
    const std::string hint = config::did_you_mean(name, names);
    return hint.empty()
               ? fmt::format("unknown command {}: one of {}", json_text(name), command_list())
               : fmt::format("unknown command {}{}", json_text(name), hint);
  }

  Request request;
  request.command = found->command;
  std::vector<std::string> all_fields{"command"};
  for (const auto& field : field_names) all_fields.emplace_back(field.name);
  for (const auto& [field_name, value] : document.items()) {
    if (field_name == "command") continue;
    const FieldName* field = nullptr;
    for (const auto& candidate : field_names)
      if (candidate.name == field_name) field = &candidate;
    if (!field)
      return fmt::format("unknown field {}{}", json_text(field_name),
                         config::did_you_mean(field_name, all_fields));
    if (!(found->fields & field->field))
      return fmt::format("\"{}\" takes no \"{}\"; {}", found->name, field->name,
                         takes_text(*found));
    if (auto problem = read_field(field->field, value, request)) return std::move(*problem);
  }
  if (request.every_seconds && !request.follow)
    return std::string("\"every\" needs \"follow\": true");
  if (needs_services(request.command) && request.services.empty())
    return fmt::format("\"{}\" needs \"services\": the names of the services to {}", found->name,
                       found->name);
  return request;
}

std::string_view command_name(Command command) {
  return entry(command).name;
}

std::string request_line(const Request& request) {
  nlohmann::ordered_json document;
  document["command"] = command_name(request.command);
  if (!request.services.empty()) document["services"] = request.services;
  if (request.lines) document["lines"] = *request.lines;
  if (request.since_seconds) document["since"] = *request.since_seconds;
  if (request.follow) document["follow"] = true;
  if (request.timeout_seconds) document["timeout"] = *request.timeout_seconds;
  if (request.every_seconds) document["every"] = *request.every_seconds;
  return document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string error_reply(std::string_view message) {
  return fmt::format("{{\"ok\":false,\"error\":{}}}\n", dump(std::string(message)));
}

std::string ok_reply(const json& body) {
  std::string reply = "{\"ok\":true";
  if (body.is_object()) {
    for (const auto& [key, value] : body.items()) {
      if (key == "ok") continue;
      reply += fmt::format(",{}:{}", dump(key), dump(value));
    }
  }
  return reply + "}\n";
}

std::string json_line(const json& value) {
  return dump(value) + "\n";
}

std::string rfc3339(std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  const auto since_epoch = floor<milliseconds>(at.time_since_epoch());
  const auto whole = floor<seconds>(since_epoch);
  const std::time_t seconds_since_epoch = static_cast<std::time_t>(whole.count());
  std::tm utc{};
  ::gmtime_r(&seconds_since_epoch, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     (since_epoch - whole).count());
}

}  // namespace summon::control

// The commands that drive a running project over its control socket (SPEC
// 2 and 2.2): ps, logs, stop, start, restart, down, ls.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>

#include <fmt/format.h>

#include "cli/control_client.hpp"
#include "cli/control_commands.hpp"
#include "cli/printer.hpp"
#include "config/duration.hpp"

namespace summon::cli {

namespace {

using nlohmann::json;

control::Request request_of(control::Command command, std::vector<std::string> services = {}) {
  control::Request request;
  request.command = command;
  request.services = std::move(services);
  return request;
}

// A running project reached: a connection to it, and its name.
struct Reached {
  ControlClient client;
  std::string name;
};

// The project and a connection to it, or the exit code already said.
std::variant<Reached, int> reach(const ControlTarget& target) {
  auto found = find_project(target.ref);
  if (auto* missing = std::get_if<NotFound>(&found)) {
    fmt::print(stderr, "{}\n", missing->message);
    return missing->exit_code;
  }
  const auto& project = std::get<FoundProject>(found);
  auto client = ControlClient::connect(project.socket());
  if (auto* error = std::get_if<std::string>(&client)) {
    fmt::print(stderr, "summon: {} is not up ({})\n", target.describe(), *error);
    return 3;
  }
  return Reached{std::move(std::get<ControlClient>(client)), project.info.name};
}

// Sends `request` and returns the first reply, or the exit code already said.
std::variant<json, int> ask(ControlClient& client, const control::Request& request,
                            const ControlTarget& target) {
  if (!client.send(request)) {
    fmt::print(stderr, "summon: {} went away\n", target.describe());
    return 3;
  }
  auto reply = client.next();
  if (!reply) {
    fmt::print(stderr, "summon: {} went away\n", target.describe());
    return 3;
  }
  return std::move(*reply);
}

bool failed(const json& reply) {
  return reply.is_object() && reply.value("ok", true) == false;
}

int say_error(const json& reply) {
  fmt::print(stderr, "summon: error: {}\n", reply.value("error", std::string("unknown error")));
  return 1;
}

// "45s", "12m03s", "3h04m", "2d05h"
std::string format_uptime(long long ms) {
  const long long s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

// CPU time as a total: "0.0s", "1.2s", "59.9s", then as uptimes are, "12m03s".
std::string format_cpu(double ms) {
  if (ms < 59'950) return fmt::format("{:.1f}s", ms / 1000);
  return format_uptime(static_cast<long long>(ms));
}

// Bytes in powers of 1024, as top shows them: "512B", "4.0K", "12.3M", "1.5G".
std::string format_bytes(double bytes) {
  constexpr const char* units[] = {"K", "M", "G", "T"};
  if (bytes < 1024) return fmt::format("{:.0f}B", bytes);
  std::size_t unit = 0;
  for (bytes /= 1024; bytes >= 1024 && unit + 1 < std::size(units); ++unit) bytes /= 1024;
  return fmt::format("{:.1f}{}", bytes, units[unit]);
}

std::string cell(const json& value, const std::function<std::string(const json&)>& show) {
  return value.is_null() ? "-" : show(value);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c)
      line += c + 1 == row.size() ? row[c] : fmt::format("{:<{}}  ", row[c], widths[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  }
}

}  // namespace

int show_output(const ControlTarget& target, const control::Request& request, const LogsArgs& args);

std::string ControlTarget::describe() const {
  return ref.name ? *ref.name : ref.file;
}

int ps_command(const ControlTarget& target, bool as_json) {
  auto reached = reach(target);
  if (auto* code = std::get_if<int>(&reached)) return *code;
  auto& client = std::get<Reached>(reached).client;
  auto answer = ask(client, request_of(control::Command::ps), target);
  if (auto* code = std::get_if<int>(&answer)) return *code;
  auto& reply = std::get<json>(answer);
  if (failed(reply)) return say_error(reply);
  json services = json::array();
  for (const auto& service : reply["services"])
    if (target.services.empty() ||
        std::ranges::find(target.services, service.value("name", "")) != target.services.end())
      services.push_back(service);
  if (as_json) {
    fmt::print("{}\n", json{{"project", reply["project"]}, {"services", services}}.dump(2));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "STATE", "PID", "UPTIME", "CPU", "MEM", "RESTARTS", "READY IN", "PORTS", "WHY"}};
  for (const auto& service : services) {
    std::string ports;
    for (const auto& [name, number] : service["ports"].items())
      ports += fmt::format("{}{}={}", ports.empty() ? "" : ",", name, number.get<int>());
    rows.push_back(
        {service.value("name", ""), service.value("state", ""),
         cell(service["pid"], [](const json& v) { return std::to_string(v.get<long long>()); }),
         cell(service["uptime_ms"],
              [](const json& v) { return format_uptime(v.get<long long>()); }),
         cell(service.value("cpu_ms", json()),
              [](const json& v) { return format_cpu(v.get<double>()); }),
         cell(service.value("memory_bytes", json()),
              [](const json& v) { return format_bytes(v.get<double>()); }),
         std::to_string(service.value("restarts", 0)),
         cell(service["ready_ms"],
              [](const json& v) {
                return format_elapsed(std::chrono::milliseconds(v.get<long long>()));
              }),
         ports.empty() ? "-" : ports,
         cell(service["reason"], [](const json& v) { return v.get<std::string>(); })});
  }
  print_table(rows);
  return 0;
}

int logs_command(const ControlTarget& target, const LogsArgs& args) {
  auto request = request_of(control::Command::logs, target.services);
  request.follow = args.follow;
  if (args.lines) {
    if (*args.lines < 0) {
      fmt::print(stderr, "summon logs: error: -n {}: not a count of lines\n", *args.lines);
      return 2;
    }
    request.lines = *args.lines;
  }
  if (args.since) {
    auto since = config::parse_duration(*args.since);
    if (!since) {
      fmt::print(stderr, "summon logs: error: --since '{}' is not a duration (e.g. 10m, 30s)\n",
                 *args.since);
      return 2;
    }
    request.since_seconds = std::chrono::duration<double>(*since).count();
  }
  return show_output(target, request, args);
}

// Sends `request` (logs or attach) and prints what comes back as `up` shows
// it, until the project ends the stream.
int show_output(const ControlTarget& target, const control::Request& request,
                const LogsArgs& args) {
  // The project's services, in its file's order: each keeps the colour and
  // the padded name it has in `up`.
  std::vector<std::string> names;
  {
    auto reached = reach(target);
    if (auto* code = std::get_if<int>(&reached)) return *code;
    auto answer = ask(std::get<Reached>(reached).client, request_of(control::Command::ps), target);
    if (auto* code = std::get_if<int>(&answer)) return *code;
    auto& reply = std::get<json>(answer);
    if (failed(reply)) return say_error(reply);
    for (const auto& service : reply["services"]) names.push_back(service.value("name", ""));
  }
  std::size_t width = 0;
  for (const auto& name : names)
    if (target.services.empty() ||
        std::ranges::find(target.services, name) != target.services.end())
      width = std::max(width, name.size());
  auto reached = reach(target);
  if (auto* code = std::get_if<int>(&reached)) return *code;
  auto& client = std::get<Reached>(reached).client;
  if (!client.send(request)) return 3;
  const bool color = color_wanted(args.no_color);
  std::string out;
  while (auto reply = client.next()) {
    if (failed(*reply)) return say_error(*reply);
    if (reply->contains("dropped")) {
      out += fmt::format("[summon] {} lines were dropped here: this reader was too slow\n",
                         (*reply)["dropped"].get<long long>());
    } else if (reply->contains("event")) {
      const auto text = (*reply)["event"].value("text", "");
      out += color ? fmt::format("\x1b[1m[summon] {}\x1b[0m\n", text)
                   : fmt::format("[summon] {}\n", text);
    } else if (reply->contains("line")) {
      const auto& line = (*reply)["line"];
      const auto name = line.value("service", "");
      auto known = std::ranges::find(names, name);
      if (known == names.end()) {
        names.push_back(name);
        known = names.end() - 1;
      }
      width = std::max(width, name.size());
      out += service_prefix(static_cast<std::size_t>(known - names.begin()), name, width, color);
      if (args.timestamps) out += line.value("at", "") + " ";
      out += line.value("text", "");
      out += '\n';
    } else if (reply->value("ok", false)) {
      break;
    }
    // Written as it comes when following; in one go otherwise.
    if (request.follow || request.command == control::Command::attach || out.size() > 64 * 1024) {
      fmt::print("{}", out);
      std::fflush(stdout);
      out.clear();
    }
  }
  fmt::print("{}", out);
  return 0;
}

int attach_command(const ControlTarget& target, bool no_color) {
  // Ctrl-C detaches: the project runs on.
  std::signal(SIGINT, [](int) { ::_exit(0); });
  LogsArgs args;
  args.no_color = no_color;
  return show_output(target, request_of(control::Command::attach, target.services), args);
}

int service_command(const ControlTarget& target, control::Command command) {
  const auto verb = control::command_name(command);
  if (target.services.empty()) {
    fmt::print(stderr, "summon {}: error: name the services to {}\n", verb, verb);
    return 2;
  }
  auto reached = reach(target);
  if (auto* code = std::get_if<int>(&reached)) return *code;
  auto& client = std::get<Reached>(reached).client;
  auto answer = ask(client, request_of(command, target.services), target);
  if (auto* code = std::get_if<int>(&answer)) return *code;
  auto& reply = std::get<json>(answer);
  if (failed(reply)) return say_error(reply);
  std::string names;
  for (const auto& name : target.services) names += (names.empty() ? "" : ", ") + name;
  const char* done = command == control::Command::stop    ? "stopped"
                     : command == control::Command::start ? "started"
                                                          : "restarted";
  fmt::print("[summon] {}: {}\n", done, names);
  return 0;
}

int down_command(const ControlTarget& target, const std::optional<std::string>& timeout) {
  auto request = request_of(control::Command::down);
  if (timeout) {
    auto parsed = config::parse_duration(*timeout);
    if (!parsed || parsed->count() <= 0) {
      fmt::print(stderr, "summon down: error: --timeout '{}' is not a duration (e.g. 10s)\n",
                 *timeout);
      return 2;
    }
    request.timeout_seconds = std::chrono::duration<double>(*parsed).count();
  }
  auto reached = reach(target);
  if (auto* code = std::get_if<int>(&reached)) return *code;
  auto& client = std::get<Reached>(reached).client;
  auto answer = ask(client, request, target);
  if (auto* code = std::get_if<int>(&answer)) return *code;
  if (failed(std::get<json>(answer))) return say_error(std::get<json>(answer));
  // The supervisor closes the connection once nothing of the project is left.
  while (client.next()) {
  }
  fmt::print("[summon] {} is down\n", std::get<Reached>(reached).name);
  return 0;
}

int ls_command(bool as_json) {
  std::string error;
  auto projects = running_projects(error);
  if (!error.empty()) {
    fmt::print(stderr, "summon: error: {}\n", error);
    return 2;
  }
  json listed = json::array();
  for (const auto& project : projects) {
    auto client = ControlClient::connect(project.socket());
    if (!std::holds_alternative<ControlClient>(client)) continue;
    auto& connection = std::get<ControlClient>(client);
    if (!connection.send(request_of(control::Command::info))) continue;
    auto reply = connection.next();
    if (!reply || failed(*reply)) continue;
    listed.push_back({{"name", (*reply)["name"]},
                      {"file", (*reply)["file"]},
                      {"pid", (*reply)["pid"]},
                      {"run", (*reply)["run"]},
                      {"services", (*reply)["services"]},
                      {"ready", (*reply)["ready"]}});
  }
  if (as_json) {
    fmt::print("{}\n", listed.dump(2));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "READY", "PID", "FILE"}};
  for (const auto& project : listed) {
    auto name = project["name"].get<std::string>();
    if (project["run"].get<bool>())
      name += fmt::format(" (run, pid {})", project["pid"].get<long long>());
    rows.push_back({name,
                    fmt::format("{}/{}", project["ready"].get<long long>(),
                                project["services"].get<long long>()),
                    std::to_string(project["pid"].get<long long>()),
                    project["file"].get<std::string>()});
  }
  print_table(rows);
  return 0;
}

std::variant<json, int> first_reply(const ControlTarget& target, const control::Request& request) {
  auto reached = reach(target);
  if (auto* code = std::get_if<int>(&reached)) return *code;
  auto answer = ask(std::get<Reached>(reached).client, request, target);
  if (auto* reply = std::get_if<json>(&answer); reply && failed(*reply)) return say_error(*reply);
  return answer;
}

}  // namespace summon::cli

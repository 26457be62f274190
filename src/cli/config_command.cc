// `summon config`: the file as summon understands it, defaults filled in,
// interpolated and normalised, in a form that `summon check` accepts again.
#include <csignal>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"
#include "config/duration.hpp"
#include "config/environment.hpp"
#include "config/interpolate.hpp"
#include "config/origins.hpp"
#include "config/procfile.hpp"
#include "config/secrets.hpp"

namespace summon::cli {

namespace {

class ConfigPrinter {
 public:
  // Unless `show_secrets`, every value printed goes through `secrets`.
  // With `origins`, each value is followed by where it was written.
  ConfigPrinter(bool show_secrets, config::Secrets secrets, const config::Origins* origins)
      : show_secrets_(show_secrets), secrets_(std::move(secrets)), origins_(origins) {}

  std::string print(const config::ProjectSpec& project,
                    const std::vector<graph::ServiceIndex>& selected) {
    literal_commands_ = config::is_procfile(project.file);
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "name" << YAML::Value << shown(project.name);
    from({"name"});
    auto from_files = literal(project.env_file_env);
    env("env", config::merge_environment({&from_files, &project.env}), config::looks_secret, "");
    if (!project.ports.empty()) {
      out_ << YAML::Key << "ports" << YAML::Value << YAML::Flow << project.ports;
      from({"ports"});
    }
    out_ << YAML::Key << "services" << YAML::Value << YAML::BeginMap;
    for (auto i : selected) service(project.services[i]);
    out_ << YAML::EndMap << YAML::EndMap;
    return out_.c_str();
  }

 private:
  // Masked before it is emitted, not after: the emitter may quote or escape
  // a value, and a secret must be found as it was written.
  std::string shown(const std::string& text) const {
    return show_secrets_ ? text : secrets_.mask(text);
  }
  std::vector<std::string> shown(const std::vector<std::string>& texts) const {
    std::vector<std::string> out;
    for (const auto& text : texts) out.push_back(shown(text));
    return out;
  }

  // dotenv values and a Procfile's commands are text as written, where `${`
  // means nothing: they are printed so that reading them back gives them
  // again (masked first, so that a secret is found as it was written).
  config::EnvList literal(const config::EnvList& entries) const {
    config::EnvList out;
    for (const auto& [name, value] : entries)
      out.emplace_back(name, config::escape_interpolation(shown(value)));
    return out;
  }

  // After the value just printed, where it was written: the first of
  // `paths` that was written somewhere, else `default`.
  void from(std::initializer_list<std::string> paths) {
    if (!origins_) return;
    for (const auto& path : paths)
      if (auto where = origins_->of(path)) {
        out_ << YAML::Comment(*where);
        return;
      }
    out_ << YAML::Comment("default");
  }

  // A key that looks secret shows `***` whatever its value, however short.
  // `at` is the path of the map that holds `key` (empty at the top level).
  void env(const char* key, const config::EnvList& entries, bool (*secret)(std::string_view),
           const std::string& at) {
    if (entries.empty()) return;
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    const std::string map = at + key;
    for (const auto& [name, value] : entries) {
      out_ << YAML::Key << name << YAML::Value
           << (show_secrets_ || !secret(name) ? shown(value) : std::string(config::secret_mask));
      // Not written as a value: it came from the env_file entries.
      from({map + "/" + name, at + "env_file"});
    }
    out_ << YAML::EndMap;
  }

  void command(const char* key, const config::Command& command) {
    out_ << YAML::Key << key << YAML::Value;
    command_value(command);
  }

  void command_value(const config::Command& command) {
    if (command.shell && literal_commands_)
      out_ << config::escape_interpolation(shown(command.argv.back()));
    else if (command.shell)
      out_ << shown(command.argv.back());
    else
      out_ << YAML::Flow << shown(command.argv);
  }

  void service(const config::ServiceSpec& service) {
    const std::string at = "services/" + service.name + "/";
    out_ << YAML::Key << service.name << YAML::Value << YAML::BeginMap;
    command("command", service.command);
    from({at + "command"});
    out_ << YAML::Key << "cwd" << YAML::Value << shown(service.cwd);
    from({at + "cwd"});
    auto from_files = literal(service.env_file_env);
    env("env", config::merge_environment({&from_files, &service.env}), config::looks_secret, at);
    if (!service.depends_on.empty()) {
      out_ << YAML::Key << "depends_on" << YAML::Value << YAML::BeginMap;
      for (const auto& dependency : service.depends_on) {
        out_ << YAML::Key << dependency.service << YAML::Value;
        if (dependency.restart)
          out_ << YAML::Flow << YAML::BeginMap << YAML::Key << "condition" << YAML::Value
               << config::condition_name(dependency.condition) << YAML::Key << "restart"
               << YAML::Value << true << YAML::EndMap;
        else
          out_ << config::condition_name(dependency.condition);
        from({at + "depends_on/" + dependency.service});
      }
      out_ << YAML::EndMap;
    }
    if (service.ready) {
      out_ << YAML::Key << "ready" << YAML::Value;
      probe(*service.ready, true, std::nullopt, at + "ready");
    }
    const char* signal = sigabbrev_np(service.stop.signal);
    out_ << YAML::Key << "stop" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out_ << YAML::Key << "signal" << YAML::Value;
    if (signal)
      out_ << signal;
    else
      out_ << service.stop.signal;
    out_ << YAML::Key << "timeout" << YAML::Value << config::format_duration(service.stop.timeout);
    out_ << YAML::EndMap;
    from({at + "stop"});
    if (service.user) {
      out_ << YAML::Key << "user" << YAML::Value << shown(*service.user);
      from({at + "user"});
    }
    supervision(service, at);
    out_ << YAML::EndMap;
  }

  void supervision(const config::ServiceSpec& service, const std::string& at) {
    out_ << YAML::Key << "restart" << YAML::Value << config::restart_policy_name(service.restart);
    from({at + "restart"});
    if (service.max_restarts) {
      out_ << YAML::Key << "max_restarts" << YAML::Value << *service.max_restarts;
      from({at + "max_restarts"});
    }
    out_ << YAML::Key << "backoff" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
         << "initial" << YAML::Value << config::format_duration(service.backoff.initial)
         << YAML::Key << "max" << YAML::Value << config::format_duration(service.backoff.max)
         << YAML::EndMap;
    from({at + "backoff"});
    if (service.alive) {
      out_ << YAML::Key << "alive" << YAML::Value;
      probe(service.alive->probe, true, service.alive->failures, at + "alive");
    }
    if (service.watchdog) {
      out_ << YAML::Key << "watchdog" << YAML::Value << config::format_duration(*service.watchdog);
      from({at + "watchdog"});
    }
  }

  // With timing, as `ready` or `alive` (which adds `failures`); without, as
  // an item of `all`. `at` is its path, for --origins (empty inside `all`).
  void probe(const config::Probe& probe, bool with_timing,
             std::optional<int> failures = std::nullopt, const std::string& at = "") {
    out_ << YAML::BeginMap;
    const std::string kind_name = config::probe_kind_name(probe);
    out_ << YAML::Key << kind_name << YAML::Value;
    // A block map or list takes its origin on its key's line, before it.
    const bool block = std::holds_alternative<config::HttpProbe>(probe.kind) ||
                       std::holds_alternative<config::AllProbe>(probe.kind);
    if (!at.empty() && block) from({at + "/" + kind_name, at});
    std::visit([&](const auto& kind) { probe_kind(kind); }, probe.kind);
    if (!at.empty() && !block) from({at + "/" + kind_name, at});
    if (with_timing) {
      out_ << YAML::Key << "timeout" << YAML::Value << config::format_duration(probe.timeout);
      if (!at.empty()) from({at + "/timeout"});
      out_ << YAML::Key << "interval" << YAML::Value << config::format_duration(probe.interval);
      if (!at.empty()) from({at + "/interval"});
    }
    if (failures) {
      out_ << YAML::Key << "failures" << YAML::Value << *failures;
      if (!at.empty()) from({at + "/failures"});
    }
    out_ << YAML::EndMap;
  }

  void port(const config::PortValue& port) {
    if (port.port_name.empty())
      out_ << port.number;
    else
      out_ << fmt::format("${{ports.{}}}", port.port_name);
  }

  void probe_kind(const config::TcpProbe& tcp) {
    out_ << YAML::Flow << YAML::BeginMap << YAML::Key << "host" << YAML::Value << shown(tcp.host)
         << YAML::Key << "port" << YAML::Value;
    port(tcp.port);
    out_ << YAML::EndMap;
  }
  void probe_kind(const config::HttpProbe& http) {
    out_ << YAML::BeginMap << YAML::Key << "url" << YAML::Value << shown(http.url);
    out_ << YAML::Key << "method" << YAML::Value << http.method;
    out_ << YAML::Key << "status" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    if (http.status.empty()) out_ << "2xx" << "3xx";
    for (const auto& range : http.status) {
      if (range.low == range.high)
        out_ << range.low;
      else
        out_ << fmt::format("{}xx", range.low / 100);
    }
    out_ << YAML::EndSeq;
    env("headers", http.headers, config::secret_header, "");
    if (http.body) out_ << YAML::Key << "body" << YAML::Value << shown(*http.body);
    out_ << YAML::EndMap;
  }
  void probe_kind(const config::ExecProbe& exec) { command_value(exec.command); }
  void probe_kind(const config::LogProbe& log) {
    static const char* const streams[] = {"stdout", "stderr", "both"};
    out_ << YAML::Flow << YAML::BeginMap << YAML::Key << "pattern" << YAML::Value
         << shown(log.pattern) << YAML::Key << "stream" << YAML::Value
         << streams[static_cast<int>(log.stream)] << YAML::Key << "count" << YAML::Value
         << log.count << YAML::EndMap;
  }
  void probe_kind(const config::FileProbe& file) { out_ << shown(file.path); }
  void probe_kind(const config::UnixProbe& unix_socket) { out_ << shown(unix_socket.path); }
  void probe_kind(const config::NotifyProbe&) { out_ << true; }
  void probe_kind(const config::FdProbe& fd) { out_ << fd.fd; }
  void probe_kind(const config::AllProbe& all) {
    out_ << YAML::BeginSeq;
    for (const auto& member : all.probes) probe(member, false);
    out_ << YAML::EndSeq;
  }

  bool show_secrets_;
  bool literal_commands_ = false;
  config::Secrets secrets_;
  const config::Origins* origins_;
  YAML::Emitter out_;
};

}  // namespace

int config_command(const Target& target, bool show_secrets, bool origins) {
  config::Origins written;
  config::LoadOptions options;
  if (origins) options.origins = &written;
  auto selection = compile_target(target, options);
  if (!selection) return exit_invalid;
  const auto& project = *selection->compiled.project;
  fmt::print("{}\n",
             ConfigPrinter(show_secrets, config::Secrets::of(project), origins ? &written : nullptr)
                 .print(project, selection->services));
  return exit_ok;
}

}  // namespace summon::cli

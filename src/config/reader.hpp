// Typed reading of schema-checked nodes, interpolating every string as it is
// read. Type mismatches were already reported by the schema, so the reader
// skips them quietly; semantic problems (a bad regex, a port out of range)
// are reported here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/interpolate.hpp"
#include "config/node.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

class Reader {
 public:
  Reader(std::string file, std::string dir, InterpolationContext context, Diagnostics& diagnostics)
      : file_(std::move(file)), dir_(std::move(dir)), context_(std::move(context)),
        diagnostics_(diagnostics) {}

  /// A scalar's text, interpolated (numbers and booleans as written).
  std::optional<std::string> string(const Node& node);
  /// A string, or each string of a list.
  std::vector<std::string> strings(const Node& node);
  /// A path made absolute against `base` (a folder) and normalised.
  std::optional<std::string> path(const Node& node, const std::string& base);
  /// A whole number in [low, high]; `what` names it in the message.
  std::optional<int> integer(const Node& node, const std::string& what, int low, int high);
  std::optional<Duration> duration(const Node& node, const std::string& what);
  /// A map of names to scalars, in file order.
  EnvList env_map(const Node& node);
  /// A string (run by /bin/sh -c) or a list (run directly).
  std::optional<Command> command(const Node& node);
  /// Checks an RE2 pattern, reporting it at the node if it does not compile.
  bool regex(const std::string& pattern, const Node& node, const std::string& what);

  /// Reports a problem with a value, unless the schema already spoke of it.
  void error(Mark mark, std::string message) {
    if (!diagnostics_.has_error_at(file_, mark)) diagnostics_.error(file_, mark, std::move(message));
  }
  Diagnostics& diagnostics() { return diagnostics_; }
  const std::string& file() const { return file_; }
  const std::string& dir() const { return dir_; }
  const InterpolationContext& context() const { return context_; }
  /// From here on, values belong to a service whose working folder is `cwd`
  /// (`${service.cwd}`); nullopt while that `cwd` itself is read.
  void enter_service(std::optional<std::string> cwd) {
    context_.in_service = true;
    context_.service_cwd = std::move(cwd);
  }
  /// Back at the top level, where `${service.cwd}` is an error.
  void leave_service() {
    context_.in_service = false;
    context_.service_cwd.reset();
  }

 private:
  std::string file_;
  std::string dir_;
  InterpolationContext context_;
  Diagnostics& diagnostics_;
};

/// A probe's timing where its map does not give it.
struct ProbeTiming {
  Duration timeout;
  Duration interval;
};
/// `ready:` (SPEC 1.3).
inline constexpr ProbeTiming ready_timing{std::chrono::seconds(60), std::chrono::milliseconds(100)};
/// `alive:` (SPEC 1.5).
inline constexpr ProbeTiming alive_timing{std::chrono::seconds(5), std::chrono::seconds(10)};

/// Reads a probe map (`ready:`, an item of `all`, or the probe of `alive:`):
/// its one kind, and `timeout` and `interval` with `timing` where not given;
/// `cwd` resolves file and unix paths.
std::optional<Probe> read_probe(Reader& reader, const Node& node, const std::string& cwd,
                                ProbeTiming timing = ready_timing);

/// Reads `env_file` (a path or a list), relative to the config file's folder.
EnvList read_env_files(Reader& reader, const Node& node);

/// Reads the supervision keys of a service's map `node` (SPEC 1.5) into
/// `service`, whose `ready` is read already: restart, max_restarts, backoff,
/// alive and watchdog.
void read_supervision(Reader& reader, const Node& node, ServiceSpec& service);

/// Reads one service (its name and key mark given); nullopt if it is not a map.
std::optional<ServiceSpec> read_service(Reader& reader, const Key& key, const Node& node);

}  // namespace summon::config

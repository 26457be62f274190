// The library's side of the public value types: what a Probe, a Service and
// a Project hold, out of the public headers' sight.
#pragma once

#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "config/secrets.hpp"
#include "graph/compile.hpp"
#include "summon/project.hpp"

namespace summon {

class Probe::Impl {
 public:
  config::Node node;  // what `ready:` would hold: {KIND: VALUE, timeout, interval}
};

class Service::Impl {
 public:
  std::string name;
  std::source_location where;
  config::Node node;  // what the service's entry under `services:` would hold
};

struct ProbeAccess {
  static Probe make(config::Node node);
  static const config::Node& node(const Probe& probe) { return probe.impl_->node; }
};

struct ServiceAccess {
  static Service make(std::string name, std::source_location where, config::Node command);
  static const Service::Impl& impl(const Service& service) { return *service.impl_; }
};

class Project::Impl {
 public:
  std::optional<std::string> file;  // loaded from this file; else declared in code
  std::vector<std::string> merged;  // loaded: more files merged onto it
  Project::LoadOptions load_options;
  std::string name;                 // declared in code: the project's name
  std::source_location where;       // declared in code: where
  std::string folder;
  std::vector<std::string> ports;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<Service> services;    // declared in code
  std::vector<std::string> loaded;  // loaded: the file's service names

  /// Loads and checks the project with `ports` picked (nullptr: not yet).
  /// Diagnostics about services declared in code point at their service().
  graph::CompiledProject compile(const config::PortMap* ports) const;
};

/// Every diagnostic as a ConfigError, with the values of `secrets` (and URL
/// passwords) masked in their messages.
[[noreturn]] void throw_config_error(const config::Diagnostics& diagnostics,
                                     const config::Secrets& secrets);
/// Every diagnostic of `compiled` as a ConfigError, masked with the secrets
/// of its project (as far as it was read).
[[noreturn]] void throw_config_error(const graph::CompiledProject& compiled);

}  // namespace summon

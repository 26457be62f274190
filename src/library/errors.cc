#include <summon/errors.hpp>

#include "config/diagnostic.hpp"
#include "library/access.hpp"

namespace summon {

namespace {

std::string lines_of(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& each : diagnostics) {
    if (!text.empty()) text += '\n';
    text += config::Diagnostic{each.file, {each.line, each.column}, each.message}.format();
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : Error(lines_of(diagnostics)), diagnostics_(std::move(diagnostics)) {}

StartError::StartError(std::string service, std::string reason, std::string summary)
    : Error(std::move(summary)), service_(std::move(service)), reason_(std::move(reason)) {}

void throw_config_error(const config::Diagnostics& diagnostics, const config::Secrets& secrets) {
  std::vector<Diagnostic> out;
  for (const auto& each : diagnostics.sorted())
    out.push_back({each.file, each.mark.line, each.mark.column, secrets.mask(each.message)});
  if (diagnostics.dropped() > 0)
    out.push_back({out.empty() ? std::string() : out.back().file, 0, 0,
                   std::to_string(diagnostics.dropped()) + " more problems not shown"});
  throw ConfigError(std::move(out));
}

void throw_config_error(const graph::CompiledProject& compiled) {
  throw_config_error(compiled.diagnostics,
                     compiled.project ? config::Secrets::of(*compiled.project) : config::Secrets());
}

}  // namespace summon

#include "config/project_spec.hpp"

#include <cctype>

namespace summon::config {

std::string probe_kind_name(const Probe& probe) {
  static const char* const names[] = {"tcp",  "http",   "exec", "log", "file",
                                      "unix", "notify", "fd",   "all"};
  return names[probe.kind.index()];
}

std::string condition_name(Condition condition) {
  switch (condition) {
    case Condition::started: return "started";
    case Condition::ready: return "ready";
    case Condition::completed: return "completed";
  }
  return "ready";
}

const ServiceSpec* ProjectSpec::find(const std::string& service) const {
  for (const auto& s : services)
    if (s.name == service) return &s;
  return nullptr;
}

std::string port_variable(const std::string& port_name) {
  std::string out = "SUMMON_PORT_";
  for (char c : port_name)
    out += c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace summon::config

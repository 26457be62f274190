#include "config/project_spec.hpp"

#include <cctype>

namespace summon::config {

const std::vector<std::string>& probe_kind_names() {
  // In the order of Probe::kind's alternatives.
  static const std::vector<std::string> names = {"tcp",  "http",   "exec", "log", "file",
                                                 "unix", "notify", "fd",   "all"};
  return names;
}

std::string probe_kind_name(const Probe& probe) { return probe_kind_names()[probe.kind.index()]; }

std::string condition_name(Condition condition) {
  switch (condition) {
    case Condition::started: return "started";
    case Condition::ready: return "ready";
    case Condition::completed: return "completed";
  }
  return "ready";
}

std::string restart_policy_name(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::no: return "no";
    case RestartPolicy::on_failure: return "on-failure";
    case RestartPolicy::always: return "always";
  }
  return "no";
}

std::string port_variable(const std::string& port_name) {
  std::string out = "SUMMON_PORT_";
  for (char c : port_name)
    out += c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace summon::config

#include "config/environment.hpp"

#include <unistd.h>

extern char** environ;

namespace summon::config {

EnvList process_environment() {
  EnvList out;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return out;
}

EnvList merge_environment(std::initializer_list<const EnvList*> layers) {
  std::map<std::string, std::string> merged;
  for (const EnvList* layer : layers)
    for (const auto& [name, value] : *layer) merged[name] = value;
  return {merged.begin(), merged.end()};
}

namespace {

EnvList summon_variables(const ProjectSpec& project, const PortMap& ports) {
  EnvList out{{"SUMMON_PROJECT", project.name}, {"SUMMON_PROJECT_DIR", project.dir}};
  for (const auto& [name, port] : ports) out.emplace_back(port_variable(name), std::to_string(port));
  return out;
}

}  // namespace

EnvList service_environment(const ProjectSpec& project, const ServiceSpec& service,
                            const EnvList& base, const PortMap& ports) {
  EnvList own = summon_variables(project, ports);
  own.emplace_back("SUMMON_SERVICE", service.name);
  return merge_environment(
      {&base, &project.env_file_env, &project.env, &service.env_file_env, &service.env, &own});
}

EnvList run_environment(const ProjectSpec& project, const EnvList& base, const PortMap& ports) {
  EnvList own = summon_variables(project, ports);
  return merge_environment({&base, &project.env_file_env, &project.env, &own});
}

}  // namespace summon::config

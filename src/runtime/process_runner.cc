// ProcessRunner: one ServiceProcess per service, made when it is first
// started (or stopped) and kept for its restarts.
#include "runtime/process_runner.hpp"

#include "runtime/run_mark.hpp"
#include "runtime/service_process.hpp"
#include "runtime/user_environment.hpp"

namespace summon::runtime {

namespace {

std::string probe_cgroup(const RunnerSettings& settings) {
  if (!settings.cgroups) return {};
  const auto leaf = settings.cgroups->leaf("probes");
  return leaf ? leaf->path() : std::string();
}

}  // namespace

ProcessRunner::ProcessRunner(boost::asio::io_context& io, ChildReaper& reaper,
                             const config::ProjectSpec& project, RunnerSettings settings,
                             OutputListener& listener)
    : io_(io),
      reaper_(reaper),
      project_(project),
      settings_(std::move(settings)),
      listener_(listener),
      probe_context_{io, reaper, probe_cgroup(settings_)},
      spawner_({io, reaper, project.name, settings_.run_id, settings_.identity, settings_.cgroups}),
      services_(project.services.size()) {
  reaper_.set_on_reaped([this] { check_groups(); });
}

ProcessRunner::~ProcessRunner() {
  reaper_.set_on_reaped(nullptr);
}

ServiceProcess& ProcessRunner::service(ServiceIndex i) {
  ServiceHost& host = *this;  // a private base: converted here, not in make_unique
  if (!services_[i])
    services_[i] =
        std::make_unique<ServiceProcess>(host, i, project_.services[i], service_environment(i));
  return *services_[i];
}

void ProcessRunner::start(ServiceIndex i) {
  service(i).start();
}

void ProcessRunner::stop(ServiceIndex i, int signal) {
  service(i).stop(signal);
}

void ProcessRunner::kill(ServiceIndex i) {
  service(i).kill();
}

std::string ProcessRunner::last_probe_result(ServiceIndex i) const {
  return services_[i] ? services_[i]->last_probe_result() : std::string();
}

std::optional<pid_t> ProcessRunner::pid(ServiceIndex i) const {
  return services_[i] ? services_[i]->pid() : std::nullopt;
}

std::deque<OutputLine> ProcessRunner::tail(ServiceIndex i) const {
  return services_[i] ? services_[i]->tail() : std::deque<OutputLine>();
}

config::EnvList ProcessRunner::environment(ServiceIndex i) const {
  if (services_[i]) return services_[i]->environment();
  return service_environment(i);
}

config::EnvList ProcessRunner::service_environment(ServiceIndex i) const {
  const auto& service = project_.services[i];
  auto environment = config::service_environment(
      project_, service,
      service.user ? environment_as_user(settings_.base_environment, *service.user)
                   : settings_.base_environment,
      settings_.ports);
  mark_environment(environment, settings_.run_id);
  return environment;
}

void ProcessRunner::check_groups() {
  for (auto& service : services_)
    if (service) service->check_group();
}

}  // namespace summon::runtime

// Services declared in C++: each builds the entry a file would hold under
// `services:`.
#include <summon/service.hpp>

#include <csignal>

#include "library/access.hpp"
#include "library/document.hpp"

namespace summon {

using library::map_node;
using library::member_map;
using library::set_member;
using library::string_node;

Service ServiceAccess::make(std::string name, std::source_location where, config::Node command) {
  auto impl = std::make_shared<Service::Impl>();
  impl->name = std::move(name);
  impl->where = where;
  impl->node = map_node();
  set_member(impl->node, "command", std::move(command));
  return Service(std::move(impl));
}

Service service(std::string name, std::vector<std::string> command, std::source_location where) {
  return ServiceAccess::make(std::move(name), where, library::list_node(command));
}

Service service(std::string name, ShellCommand command, std::source_location where) {
  return ServiceAccess::make(std::move(name), where, string_node(command.text()));
}

Service::Impl& Service::own() {
  if (impl_.use_count() > 1) impl_ = std::make_shared<Impl>(*impl_);
  return *impl_;
}

Service& Service::ready(Probe probe) {
  set_member(own().node, "ready", ProbeAccess::node(probe));
  return *this;
}

Service& Service::depends_on(std::string service, Condition condition) {
  const char* word = condition == Condition::started ? "started"
                     : condition == Condition::ready ? "ready"
                                                     : "completed";
  set_member(member_map(own().node, "depends_on"), service, string_node(word));
  return *this;
}

Service& Service::env(std::string name, std::string value) {
  set_member(member_map(own().node, "env"), name, string_node(std::move(value)));
  return *this;
}

Service& Service::cwd(std::string folder) {
  set_member(own().node, "cwd", string_node(std::move(folder)));
  return *this;
}

Service& Service::stop(int signal, std::chrono::milliseconds timeout) {
  config::Node& stop = member_map(own().node, "stop");
  set_member(stop, "signal", library::integer_node(signal));
  set_member(stop, "timeout", library::duration_node(timeout));
  return *this;
}

Service& Service::user(std::string name) {
  set_member(own().node, "user", string_node(std::move(name)));
  return *this;
}

Service& Service::restart(Restart policy) {
  const char* word = policy == Restart::no           ? "no"
                     : policy == Restart::on_failure ? "on-failure"
                                                     : "always";
  set_member(own().node, "restart", string_node(word));
  return *this;
}

Service& Service::max_restarts(int count) {
  set_member(own().node, "max_restarts", library::integer_node(count));
  return *this;
}

Service& Service::backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  config::Node& backoff = member_map(own().node, "backoff");
  set_member(backoff, "initial", library::duration_node(initial));
  set_member(backoff, "max", library::duration_node(max));
  return *this;
}

Service& Service::alive(Probe probe, int failures) {
  // `alive:` is the probe's own map ({KIND: VALUE, interval, timeout}) with
  // `failures` beside them.
  config::Node node = ProbeAccess::node(probe);
  set_member(node, "failures", library::integer_node(failures));
  set_member(own().node, "alive", std::move(node));
  return *this;
}

Service& Service::watchdog(std::chrono::milliseconds period) {
  set_member(own().node, "watchdog", library::duration_node(period));
  return *this;
}

const std::string& Service::name() const {
  return impl_->name;
}

}  // namespace summon

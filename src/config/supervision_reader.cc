// A service's supervision keys (SPEC 1.5): restart, max_restarts, backoff,
// alive and watchdog.
#include <algorithm>

#include <fmt/format.h>

#include "config/duration.hpp"
#include "config/reader.hpp"

namespace summon::config {

namespace {

std::optional<RestartPolicy> read_restart(Reader& reader, const Node& node) {
  // A bare `no` is a string in YAML 1.2 but false in YAML 1.1, which many
  // editors and tools still speak: both mean `no`.
  if (node.kind == Node::Kind::boolean) {
    if (node.text.front() == 'f' || node.text.front() == 'F') return RestartPolicy::no;
    return std::nullopt;  // `true`: the schema names the allowed values
  }
  auto text = reader.string(node);
  if (text == "no") return RestartPolicy::no;
  if (text == "on-failure") return RestartPolicy::on_failure;
  if (text == "always") return RestartPolicy::always;
  return std::nullopt;
}

// `backoff: D` is {initial: D, max: D}; a map leaves out either for its default.
std::optional<BackoffSpec> read_backoff(Reader& reader, const Node& node) {
  BackoffSpec backoff;
  if (!node.is_map()) {
    auto delay = reader.duration(node, "backoff");
    if (!delay) return std::nullopt;
    return BackoffSpec{*delay, *delay};
  }
  const Node* initial = node.find("initial");
  const Node* max = node.find("max");
  if (initial) {
    auto value = reader.duration(*initial, "initial");
    if (!value) return std::nullopt;
    backoff.initial = *value;
  }
  if (max) {
    auto value = reader.duration(*max, "max");
    if (!value) return std::nullopt;
    backoff.max = *value;
  }
  if (backoff.initial > backoff.max) {
    reader.error(initial ? initial->mark : max->mark,
                 fmt::format("backoff 'initial' ({}) is longer than 'max' ({}{})",
                             format_duration(backoff.initial), format_duration(backoff.max),
                             max ? "" : ", the default"));
    return std::nullopt;
  }
  return backoff;
}

bool polled(const std::string& kind) {
  return kind == "tcp" || kind == "http" || kind == "exec" || kind == "unix";
}

std::optional<AliveSpec> read_alive(Reader& reader, const Node& node, const std::string& cwd) {
  if (!node.is_map()) return std::nullopt;
  // Kinds that cannot be polled are the schema's to report, at their key.
  const auto& kinds = probe_kind_names();
  for (const auto& [key, value] : node.members)
    if (!polled(key.text) && std::find(kinds.begin(), kinds.end(), key.text) != kinds.end())
      return std::nullopt;
  auto probe = read_probe(reader, node, cwd, alive_timing);
  if (!probe) return std::nullopt;
  AliveSpec alive{std::move(*probe), 3, node.mark};
  if (const Node* timeout = node.find("timeout"); timeout && alive.probe.timeout.count() == 0) {
    // Every attempt would fail at once.
    reader.error(timeout->mark, "'timeout' must be more than 0");
    return std::nullopt;
  }
  if (const Node* failures = node.find("failures")) {
    auto value = reader.integer(*failures, "failures", 1, 1'000'000);
    if (!value) return std::nullopt;
    alive.failures = *value;
  }
  return alive;
}

bool has_notify(const Probe& probe) {
  if (std::holds_alternative<NotifyProbe>(probe.kind)) return true;
  const auto* all = std::get_if<AllProbe>(&probe.kind);
  return all && std::any_of(all->probes.begin(), all->probes.end(), has_notify);
}

}  // namespace

void read_supervision(Reader& reader, const Node& node, ServiceSpec& service) {
  if (const Key* key = node.find_key("restart")) {
    service.restart_mark = key->mark;
    if (auto policy = read_restart(reader, *node.find("restart"))) service.restart = *policy;
  }
  if (const Node* max_restarts = node.find("max_restarts"))
    service.max_restarts = reader.integer(*max_restarts, "max_restarts", 0, 1'000'000);
  if (const Node* backoff = node.find("backoff"))
    if (auto value = read_backoff(reader, *backoff)) service.backoff = *value;
  if (const Node* alive = node.find("alive"))
    service.alive = read_alive(reader, *alive, service.cwd);
  if (const Node* watchdog = node.find("watchdog")) {
    auto period = reader.duration(*watchdog, "watchdog");
    if (period && period->count() == 0) {
      reader.error(watchdog->mark, "'watchdog' must be more than 0");
      period.reset();
    }
    // WATCHDOG=1 comes over the notify socket, which only a notify probe
    // opens. A `ready` that could not be read has its own error already.
    bool unread = node.find("ready") && !service.ready;
    if (period && !unread && !(service.ready && has_notify(*service.ready)))
      reader.error(node.find_key("watchdog")->mark,
                   "'watchdog' needs a notify readiness probe (ready: {notify: true})");
    service.watchdog = period;
  }
}

}  // namespace summon::config

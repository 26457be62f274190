// An engine on inline YAML with a fake runner, a fake clock and an observer
// that writes down what it is told; the test plays the outside world by
// service name: `h.started("db")`, `h.exited("api", 1)`, `h.stopped("web")`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.hpp"
#include "fake_clock.hpp"
#include "fake_runner.hpp"
#include "load_helpers.hpp"

// Lists of calls and lines print in full when a check fails.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& items) {
    std::string text = "{";
    for (const auto& item : items) text += (text.size() > 1 ? ", \"" : "\"") + item + "\"";
    return (text + "}").c_str();
  }
};

namespace summon::testing {

/// Writes each report down, and each state change also as a line:
/// "db started", "api skipped (db failed)", "db failed: ...", "web killed".
class RecordingObserver final : public engine::Observer {
 public:
  explicit RecordingObserver(const graph::DependencyGraph& graph) : graph_(graph) {}

  void on_change(const engine::StateChange& change) override {
    changes.push_back(change);
    const std::string& name = graph_.name(change.service);
    std::string line = name + " " + std::string(engine::state_name(change.to));
    if (change.to == engine::State::skipped && change.because)
      line += " (" + graph_.name(*change.because) + " failed)";
    if (change.to == engine::State::failed) line += ": " + change.reason;
    if (change.to == engine::State::stopped && change.killed) line = name + " killed";
    lines.push_back(line);
  }
  void on_all_ready(std::size_t services, engine::Duration since_bring_up) override {
    all_ready = {services, since_bring_up};
  }
  void on_failure(const engine::Failure& failure) override { failures.push_back(failure); }
  void on_done(int exit_code, engine::Duration) override { done = exit_code; }

  /// The change lines since the last take_lines(), oldest first.
  std::vector<std::string> take_lines() {
    std::vector<std::string> out;
    out.swap(lines);
    return out;
  }

  std::vector<engine::StateChange> changes;
  std::vector<std::string> lines;
  std::optional<std::pair<std::size_t, engine::Duration>> all_ready;
  std::vector<engine::Failure> failures;
  std::optional<int> done;

 private:
  const graph::DependencyGraph& graph_;
};

inline engine::ExitStatus exit_code(int code, bool by_stop_signal = false) {
  engine::ExitStatus status;
  status.code = code;
  status.by_stop_signal = by_stop_signal;
  return status;
}

inline engine::ExitStatus killed_by_signal(int signal, bool by_stop_signal = false) {
  engine::ExitStatus status;
  status.signal = signal;
  status.by_stop_signal = by_stop_signal;
  return status;
}

class EngineHarness {
 public:
  /// Compiles `yaml` (failing the test if it has errors) and builds an
  /// engine on it for the named services (all when none are named).
  explicit EngineHarness(const std::string& yaml, engine::EngineOptions options = {},
                         const std::vector<std::string>& names = {})
      : compiled_(checked(yaml)), runner(*compiled_.graph), observer(*compiled_.graph) {
    std::vector<graph::ServiceIndex> selected;
    for (graph::ServiceIndex i = 0; i < compiled_.graph->size(); ++i)
      if (names.empty()) selected.push_back(i);
    for (const auto& name : names) selected.push_back(index(name));
    engine_.emplace(*compiled_.project, *compiled_.graph, selected, runner, clock, observer,
                    options);
  }

  engine::Engine& engine() { return *engine_; }
  graph::ServiceIndex index(const std::string& name) const {
    auto i = compiled_.graph->index(name);
    REQUIRE_MESSAGE(i.has_value(), "no service " << name);
    return *i;
  }
  engine::State state(const std::string& name) { return engine().state(index(name)); }
  /// The runner calls since the last look.
  Calls calls() { return runner.take_calls(); }

  // The outside world's reports, by service name.
  void started(const std::string& name) { engine().on_started(index(name)); }
  void start_failed(const std::string& name, const std::string& why) {
    engine().on_start_failed(index(name), why);
  }
  void ready(const std::string& name) { engine().on_ready(index(name)); }
  void probe_failed(const std::string& name, const std::string& why) {
    engine().on_probe_failed(index(name), why);
  }
  void exited(const std::string& name, int code) { engine().on_exited(index(name), exit_code(code)); }
  void killed_by(const std::string& name, int signal) {
    engine().on_exited(index(name), killed_by_signal(signal));
  }
  void stopped(const std::string& name) { engine().on_stopped(index(name)); }
  void unhealthy(const std::string& name, const std::string& why) {
    engine().on_unhealthy(index(name), why);
  }
  void healthy(const std::string& name) { engine().on_healthy(index(name)); }
  /// Brings everything up, reporting each named service (none has a probe)
  /// started, then forgets the calls and lines that took.
  void bring_up_all(std::initializer_list<const char*> names) {
    engine().bring_up();
    for (const char* name : names) started(name);
    calls();
    observer.take_lines();
  }
  /// Started, then ready: what a service with a probe that holds goes through.
  void up(const std::string& name) {
    started(name);
    ready(name);
  }

 private:
  static graph::CompiledProject checked(const std::string& yaml) {
    auto compiled = compile(yaml);
    for (const auto& d : compiled.diagnostics.sorted()) FAIL_CHECK(d.format());
    REQUIRE(compiled.ok());
    return compiled;
  }

  graph::CompiledProject compiled_;

 public:
  FakeRunner runner;
  FakeClock clock;
  RecordingObserver observer;

 private:
  std::optional<engine::Engine> engine_;
};

}  // namespace summon::testing

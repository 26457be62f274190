// A runner for engine tests (ninja's FakeCommandRunner): it runs nothing and
// records each call in order as text, "start db", "stop api TERM",
// "kill web". The test then plays the outside world by calling the engine's
// on_started, on_ready, on_exited, on_stopped.
#pragma once

#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/runner.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::testing {

using Calls = std::vector<std::string>;

class FakeRunner final : public engine::Runner {
 public:
  explicit FakeRunner(const graph::DependencyGraph& graph) : graph_(graph) {}

  void start(graph::ServiceIndex i) override {
    record("start " + graph_.name(i));
    if (on_start) on_start(i);
  }
  void stop(graph::ServiceIndex i, int signal) override {
    const char* name = ::sigabbrev_np(signal);
    record("stop " + graph_.name(i) + " " + (name ? name : std::to_string(signal)));
  }
  void kill(graph::ServiceIndex i) override { record("kill " + graph_.name(i)); }
  std::string last_probe_result(graph::ServiceIndex i) const override {
    auto it = probe_results.find(graph_.name(i));
    return it == probe_results.end() ? std::string() : it->second;
  }

  /// The calls made since the last take_calls(), oldest first.
  Calls take_calls() {
    Calls out;
    out.swap(calls_);
    return out;
  }

  /// What last_probe_result() answers, by service name.
  std::map<std::string, std::string> probe_results;
  /// Called from inside start(), to play a runner that reports at once.
  std::function<void(graph::ServiceIndex)> on_start;

 private:
  void record(std::string call) { calls_.push_back(std::move(call)); }

  const graph::DependencyGraph& graph_;
  Calls calls_;
};

}  // namespace summon::testing

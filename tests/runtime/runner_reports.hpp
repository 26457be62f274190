// A RunnerEvents that keeps every report, in order, as a line: "started",
// "exited with code 1", "was killed by signal TERM (stopped)", "stopped".
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runner.hpp"

namespace summon::test {

struct RunnerReports : engine::RunnerEvents {
  using Index = graph::ServiceIndex;

  void on_started(Index) override { seen.push_back("started"); }
  void on_start_failed(Index, std::string why) override { seen.push_back("start failed: " + why); }
  void on_ready(Index) override { seen.push_back("ready"); }
  void on_probe_failed(Index, std::string why) override { seen.push_back("probe failed: " + why); }
  void on_exited(Index, engine::ExitStatus status) override {
    seen.push_back(describe(status) + (status.by_stop_signal ? " (stopped)" : ""));
  }
  void on_stopped(Index) override { seen.push_back("stopped"); }
  void on_unhealthy(Index, std::string why) override { seen.push_back("unhealthy: " + why); }
  void on_healthy(Index) override { seen.push_back("healthy"); }
  void on_deadline_extended(Index, engine::Duration) override {
    seen.push_back("deadline extended");
  }

  /// How many reports were `report`.
  long count(const std::string& report) const {
    return std::count(seen.begin(), seen.end(), report);
  }

  std::vector<std::string> seen;
};

}  // namespace summon::test

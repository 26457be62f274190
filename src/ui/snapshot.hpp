// What the dashboard is shown, as the control socket sends it
// (docs/protocol.md): one row per service from a `ps` reply, one entry per
// line from a `logs` stream. Reading is lenient: a field missing or of
// another type is shown as unknown, never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace summon::ui {

struct ServiceRow {
  std::string name;
  std::string state;
  std::optional<long long> pid;
  long long uptime_ms = 0;
  int restarts = 0;
  std::optional<long long> ready_ms;
  std::optional<double> cpu_ms;  // CPU time all its processes used so far
  std::optional<long long> memory_bytes;
  std::string reason;
};

/// The rows of a `ps` reply, in the project's order.
std::vector<ServiceRow> rows_of(const nlohmann::json& ps_reply);

struct OutputEntry {
  std::uint64_t number = 0;  // the project's line number: the order they came
  std::string service;
  bool from_stderr = false;
  std::string at;  // RFC 3339
  std::string text;
};

/// The line a `{"line":{...}}` message carries, if it is one.
std::optional<OutputEntry> entry_of(const nlohmann::json& message);

}  // namespace summon::ui

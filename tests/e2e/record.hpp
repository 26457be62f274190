// The record file the test service appends to: what each service did, and when.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace summon::testing {

/// One line of a record file: `NAME EVENT [ARG...] NANOSECONDS`.
struct Event {
  std::string service;
  std::string what;  // start, child, ready, term, exit
  std::vector<std::string> args;
  std::int64_t ns = 0;  // CLOCK_MONOTONIC
};

class Record {
 public:
  /// Reads `path`; a missing file is an empty record (nothing started).
  static Record read(const std::string& path);

  const std::vector<Event>& events() const { return events_; }
  /// The first `what` event of `service`, or null.
  const Event* find(std::string_view service, std::string_view what) const;
  bool has(std::string_view service, std::string_view what) const {
    return find(service, what) != nullptr;
  }
  /// How many `what` events `service` has.
  int count(std::string_view service, std::string_view what) const;
  /// True when both events happened and the first one before the second.
  bool before(std::string_view service_a, std::string_view what_a, std::string_view service_b,
              std::string_view what_b) const;
  /// The whole file, for failure messages.
  const std::string& text() const { return text_; }

 private:
  std::vector<Event> events_;
  std::string text_;
};

}  // namespace summon::testing

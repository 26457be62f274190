// The one read model of a running project: per service its state, pid,
// since when, restarts, time to ready and why it is unhealthy or failed,
// and its recent output with the time each line came. The Stack keeps it up
// to date from the engine's reports and the runner's output; the printer,
// the library and the control socket (`ps`, `logs`) read it, so that all of
// them see the same thing.
//
// Written on the loop's thread only; read from any thread (the library's
// callers), each read a copy made under a mutex. Followers are called on the
// loop's thread, as each line is kept.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/observer.hpp"
#include "graph/dependency_graph.hpp"
#include "runtime/output_stream.hpp"

namespace summon::runtime {

using WallTime = std::chrono::system_clock::time_point;

struct ServiceStatus {
  engine::State state = engine::State::pending;
  std::optional<pid_t> pid;                  // its main process, while one runs
  WallTime since{};                          // when it entered `state`
  std::optional<WallTime> running_since;     // its current process's start, while one runs
  int restarts = 0;                          // by policy or command, in this run
  std::optional<engine::Duration> ready_in;  // from its latest start to ready
  std::string reason;                        // why, while unhealthy or failed
};

struct TimedLine {
  std::uint64_t number = 0;  // 1, 2, ... over the whole project, in the order they came
  graph::ServiceIndex service = 0;
  Stream stream = Stream::out;
  WallTime at{};
  std::string text;
};

class StatusBoard {
 public:
  /// Kept per service, whichever limit comes first: the last 10,000 lines,
  /// and at most 8 MiB of their text (lines of up to 800 bytes all stay).
  /// Each line costs about 64 bytes beside its text (and its text's own
  /// allocation past 15 bytes): 10,000 lines of 80 bytes hold about 1.6 MiB,
  /// so 1,000 services that each wrote that much hold 1.6 GiB; the most a
  /// service can hold is under 9 MiB. A quiet one holds only what it wrote.
  static constexpr std::size_t lines_kept = 10'000;
  static constexpr std::size_t bytes_kept = 8 << 20;

  explicit StatusBoard(std::size_t services);

  // The loop's thread.
  /// Service `change.service` changed; `pid` is its main process now (none
  /// once it ended), `restarts` its count so far.
  void record(const engine::StateChange& change, std::optional<pid_t> pid, int restarts,
              WallTime now);
  void record(graph::ServiceIndex i, Stream stream, std::span<const std::string_view> lines,
              WallTime now);
  using Follower = std::function<void(const TimedLine&)>;
  /// Calls `follower` with each line kept from now on, until unfollow(id).
  std::uint64_t follow(Follower follower);
  void unfollow(std::uint64_t id);

  // Any thread.
  ServiceStatus status(graph::ServiceIndex i) const;
  std::vector<ServiceStatus> statuses() const;
  /// The kept lines of the services `wanted` says (by index; empty: all),
  /// in the order they came: at most `last` per service, none before `since`.
  std::vector<TimedLine> lines(const std::vector<bool>& wanted, std::optional<std::size_t> last,
                               std::optional<WallTime> since) const;
  /// The newest `count` lines (at most) of the services `wanted` says that
  /// came after line number `after`, in the order they came: a reader that
  /// takes the output in batches, newest first when it cannot keep up.
  std::vector<TimedLine> newest(const std::vector<bool>& wanted, std::uint64_t after,
                                std::size_t count) const;
  /// The number of the last line kept so far (0: none yet).
  std::uint64_t last_number() const;
  /// Service i's last `count` lines, oldest first, as a failure summary
  /// shows them.
  std::deque<OutputLine> tail(graph::ServiceIndex i, std::size_t count) const;
  /// All of service i's kept lines, one '\n' after each.
  std::string text(graph::ServiceIndex i) const;
  /// How many lines of service i were dropped to stay within the limits.
  std::uint64_t dropped(graph::ServiceIndex i) const;

 private:
  struct Kept {
    ServiceStatus status;
    std::deque<TimedLine> lines;
    std::size_t bytes = 0;
    std::uint64_t dropped = 0;
  };

  mutable std::mutex mutex_;
  std::vector<Kept> services_;
  std::uint64_t numbered_ = 0;
  std::map<std::uint64_t, Follower> followers_;  // loop thread only
  std::uint64_t next_follower_ = 1;
};

}  // namespace summon::runtime

// StatusBoard: what each service is now, and what it said lately.
#include "runtime/status_board.hpp"

#include <algorithm>

namespace summon::runtime {

namespace {

bool has_ended(engine::State state) {
  using engine::State;
  return state == State::stopped || state == State::completed || state == State::failed ||
         state == State::skipped || state == State::pending || state == State::backoff;
}

}  // namespace

StatusBoard::StatusBoard(std::size_t services) : services_(services) {}

void StatusBoard::record(const engine::StateChange& change, std::optional<pid_t> pid, int restarts,
                         WallTime now) {
  std::lock_guard lock(mutex_);
  ServiceStatus& status = services_[change.service].status;
  if (change.to != status.state) status.since = now;
  status.state = change.to;
  status.restarts = restarts;
  if (change.to == engine::State::started || change.to == engine::State::starting) {
    if (pid && pid != status.pid) status.running_since = now;
    status.pid = pid;
  }
  if (change.exit || has_ended(change.to)) {
    status.pid.reset();
    status.running_since.reset();
  }
  if (change.to == engine::State::ready && change.from != engine::State::unhealthy)
    status.ready_in = change.since_start;
  if (change.to == engine::State::starting) status.ready_in.reset();
  const bool says_why = change.to == engine::State::unhealthy || change.to == engine::State::failed;
  status.reason = says_why ? change.reason : std::string();
}

void StatusBoard::record(graph::ServiceIndex i, Stream stream,
                         std::span<const std::string_view> lines, WallTime now) {
  {
    std::lock_guard lock(mutex_);
    Kept& kept = services_[i];
    for (auto text : lines) {
      kept.lines.push_back({++numbered_, i, stream, now, std::string(text)});
      kept.bytes += text.size();
    }
    while (kept.lines.size() > lines_kept || (kept.bytes > bytes_kept && kept.lines.size() > 1)) {
      kept.bytes -= kept.lines.front().text.size();
      kept.lines.pop_front();
      ++kept.dropped;
    }
  }
  if (followers_.empty()) return;
  // Followers run on this thread, the board's only writer: what they read
  // stays as it is while they run.
  const Kept& kept = services_[i];
  const std::size_t count = std::min(lines.size(), kept.lines.size());
  for (auto line = kept.lines.end() - static_cast<std::ptrdiff_t>(count); line != kept.lines.end();
       ++line)
    for (auto& [id, follower] : followers_) follower(*line);
}

std::uint64_t StatusBoard::follow(Follower follower) {
  const auto id = next_follower_++;
  followers_.emplace(id, std::move(follower));
  return id;
}

void StatusBoard::unfollow(std::uint64_t id) {
  followers_.erase(id);
}

ServiceStatus StatusBoard::status(graph::ServiceIndex i) const {
  std::lock_guard lock(mutex_);
  return services_[i].status;
}

std::vector<ServiceStatus> StatusBoard::statuses() const {
  std::lock_guard lock(mutex_);
  std::vector<ServiceStatus> out;
  out.reserve(services_.size());
  for (const auto& kept : services_) out.push_back(kept.status);
  return out;
}

std::vector<TimedLine> StatusBoard::lines(const std::vector<bool>& wanted,
                                          std::optional<std::size_t> last,
                                          std::optional<WallTime> since) const {
  std::lock_guard lock(mutex_);
  std::vector<TimedLine> out;
  for (std::size_t i = 0; i < services_.size(); ++i) {
    if (!wanted.empty() && (i >= wanted.size() || !wanted[i])) continue;
    const auto& kept = services_[i].lines;
    auto from = kept.begin();
    if (since)
      from = std::partition_point(kept.begin(), kept.end(),
                                  [&](const TimedLine& line) { return line.at < *since; });
    if (last && static_cast<std::size_t>(kept.end() - from) > *last)
      from = kept.end() - static_cast<std::ptrdiff_t>(*last);
    out.insert(out.end(), from, kept.end());
  }
  std::sort(out.begin(), out.end(),
            [](const TimedLine& a, const TimedLine& b) { return a.number < b.number; });
  return out;
}

std::vector<TimedLine> StatusBoard::newest(const std::vector<bool>& wanted, std::uint64_t after,
                                           std::size_t count) const {
  std::lock_guard lock(mutex_);
  std::vector<TimedLine> out;
  for (std::size_t i = 0; i < services_.size(); ++i) {
    if (!wanted.empty() && (i >= wanted.size() || !wanted[i])) continue;
    const auto& kept = services_[i].lines;
    auto from = kept.end();
    for (std::size_t taken = 0; from != kept.begin() && taken < count; ++taken) {
      if (std::prev(from)->number <= after) break;
      --from;
    }
    out.insert(out.end(), from, kept.end());
  }
  std::sort(out.begin(), out.end(),
            [](const TimedLine& a, const TimedLine& b) { return a.number < b.number; });
  if (out.size() > count) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(count));
  return out;
}

std::uint64_t StatusBoard::last_number() const {
  std::lock_guard lock(mutex_);
  return numbered_;
}

std::deque<OutputLine> StatusBoard::tail(graph::ServiceIndex i, std::size_t count) const {
  std::lock_guard lock(mutex_);
  const auto& kept = services_[i].lines;
  std::deque<OutputLine> out;
  for (auto line = kept.size() > count ? kept.end() - static_cast<std::ptrdiff_t>(count)
                                       : kept.begin();
       line != kept.end(); ++line)
    out.push_back({line->stream, line->text});
  return out;
}

std::string StatusBoard::text(graph::ServiceIndex i) const {
  std::lock_guard lock(mutex_);
  const Kept& kept = services_[i];
  std::string out;
  out.reserve(kept.bytes + kept.lines.size());
  for (const auto& line : kept.lines) out.append(line.text).push_back('\n');
  return out;
}

std::uint64_t StatusBoard::dropped(graph::ServiceIndex i) const {
  std::lock_guard lock(mutex_);
  return services_[i].dropped;
}

}  // namespace summon::runtime

// Session: a Stack run on a thread of its own, and what the caller may ask
// while it runs. The loop thread reports; the caller's threads read what it
// reported, under one mutex, and hand it commands through Stack::post.
#include <summon/session.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "config/duration.hpp"
#include "config/environment.hpp"
#include "config/secrets.hpp"
#include "config/suggest.hpp"
#include "library/access.hpp"
#include "runtime/failure_summary.hpp"
#include "runtime/free_ports.hpp"
#include "runtime/log_file.hpp"
#include "runtime/stack.hpp"
#include "runtime/write_all.hpp"

namespace summon {

namespace {

// What output() keeps of each service; older lines go first.

constexpr std::size_t state_count = static_cast<std::size_t>(State::skipped) + 1;
constexpr std::size_t at(State state) {
  return static_cast<std::size_t>(state);
}

State public_state(engine::State state) {
  switch (state) {
    case engine::State::pending:
      return State::pending;
    case engine::State::starting:
      return State::starting;
    case engine::State::started:
      return State::started;
    case engine::State::ready:
      return State::ready;
    case engine::State::completed:
      return State::completed;
    case engine::State::unhealthy:
      return State::unhealthy;
    case engine::State::stopping:
    case engine::State::killing:
      return State::stopping;
    case engine::State::backoff:
      return State::backoff;
    case engine::State::stopped:
      return State::stopped;
    case engine::State::failed:
      return State::failed;
    case engine::State::skipped:
      return State::skipped;
  }
  return State::pending;
}

}  // namespace

std::string_view state_name(State state) {
  switch (state) {
    case State::pending:
      return "pending";
    case State::starting:
      return "starting";
    case State::started:
      return "started";
    case State::ready:
      return "ready";
    case State::unhealthy:
      return "unhealthy";
    case State::backoff:
      return "backoff";
    case State::completed:
      return "completed";
    case State::stopping:
      return "stopping";
    case State::stopped:
      return "stopped";
    case State::failed:
      return "failed";
    case State::skipped:
      return "skipped";
  }
  return "unknown";
}

class Session::Impl final : public runtime::StackObserver, public runtime::OutputListener {
 public:
  Impl(const Project::Impl& project, Options options);
  ~Impl() override { stop(); }

  /// Asks for teardown and waits until nothing the session started is left.
  void stop() noexcept;
  /// What went wrong while the services ran, once; then nothing.
  std::string take_problems();

  void stop(std::string_view name);
  void start(std::string_view name) { bring_back(index_of(name), Command::start); }
  void restart(std::string_view name) { bring_back(index_of(name), Command::restart); }
  bool wait_for(std::string_view name, State state, std::chrono::milliseconds timeout) const;

  int port(std::string_view name) const;
  State state(std::string_view name) const;
  std::optional<pid_t> pid(std::string_view name) const;
  int restarts(std::string_view name) const;
  std::string output(std::string_view name) const;
  std::map<std::string, std::string> environment() const;

 private:
  enum class Command { start, restart };
  struct Said {
    std::string reason;
    std::string summary;
  };

  // From the callers' threads, with mutex_ held.
  template <class T>
  std::optional<T> on_loop(std::unique_lock<std::mutex>& lock,
                           std::function<T(engine::Engine&)> task);
  void bring_back(graph::ServiceIndex i, Command command);
  std::chrono::milliseconds longest_way_back(graph::ServiceIndex i) const;
  [[noreturn]] void throw_failure(graph::ServiceIndex i);
  [[noreturn]] void throw_late(std::unique_lock<std::mutex>& lock, graph::ServiceIndex i,
                               std::uint64_t from, std::chrono::milliseconds limit);

  // From the loop thread.
  void on_change(const engine::StateChange& change) override;
  void on_all_ready(std::size_t services, engine::Duration since_bring_up) override;
  void on_failure(const engine::Failure& failure) override;
  void on_done(int exit_code, engine::Duration since_bring_up) override;
  void on_lines(graph::ServiceIndex i, runtime::Stream stream,
                std::span<const std::string_view> lines) override;
  void on_status(graph::ServiceIndex, std::string_view) override {}
  void on_warning(graph::ServiceIndex i, std::string_view text) override;

  void compile(const Project::Impl& project);
  graph::ServiceIndex index_of(std::string_view name) const;
  const std::string& name_of(graph::ServiceIndex i) const {
    return compiled_.project->services[i].name;
  }

  Options options_;
  config::PortMap ports_;
  runtime::PortClaims port_claims_;  // this session's ports, claimed machine-wide
  graph::CompiledProject compiled_;
  // Masked in every error the session throws; a service's output is its own.
  config::Secrets secrets_;
  std::vector<graph::ServiceIndex> selected_;
  std::vector<bool> in_run_;
  std::size_t name_width_ = 0;

  // Written by the loop thread, read by any, under mutex_.
  struct Seen {
    State state = State::pending;
    // The number of the change (changes_) that last brought it into each
    // state: a wait compares them with where it began, so that it never
    // misses a state passed through between two looks.
    std::array<std::uint64_t, state_count> entered{};
    std::string failure;          // why it last failed, masked
    std::string failure_summary;  // and that failure as StartError says it
  };
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // after every report
  std::vector<Seen> seen_;
  std::uint64_t changes_ = 0;  // state changes so far
  bool all_ready_ = false;
  bool done_ = false;
  bool stopping_ = false;
  std::optional<engine::Failure> failure_;
  std::string failure_summary_;
  std::vector<std::string> problems_;
  std::exception_ptr loop_error_;  // what ended the loop thread, if anything did

  std::shared_ptr<const runtime::StatusBoard> board_;  // the stack's, kept after it
  // Last: the loop goes first, while everything it reports to is still there.
  std::unique_ptr<runtime::Stack> stack_;
  std::thread loop_;
};

namespace {

// A host that ignores SIGCHLD (or sets SA_NOCLDWAIT) has its children reaped
// by the kernel: summon could never learn how its services and probes ended.
void check_children_are_kept() {
  struct sigaction action {};
  ::sigaction(SIGCHLD, nullptr, &action);
  if (action.sa_handler == SIG_IGN || (action.sa_flags & SA_NOCLDWAIT) != 0)
    throw Error(
        "summon: this program ignores SIGCHLD (or sets SA_NOCLDWAIT), so the kernel reaps its "
        "children and summon cannot learn how its services end; restore the default SIGCHLD "
        "action before making a Session");
}

}  // namespace

Session::Impl::Impl(const Project::Impl& project, Options options) : options_(std::move(options)) {
  check_children_are_kept();
  compile(project);
  runtime::StackOptions stack_options;
  stack_options.engine.mode = engine::Mode::up;
  if (options_.timeout) stack_options.engine.timeout = config::Duration(*options_.timeout);
  stack_options.ports = ports_;
  if (!options_.log_dir.empty()) {
    std::string error;
    stack_options.log_folder = runtime::LogFolder::open(options_.log_dir, error);
    if (!stack_options.log_folder)
      throw Error(fmt::format("summon: log_dir {}: {}", options_.log_dir, error));
  }
  stack_options.embedded = true;

  seen_.resize(compiled_.project->services.size());
  stack_ = std::make_unique<runtime::Stack>(*compiled_.project, *compiled_.graph, selected_,
                                            std::move(stack_options), *this, *this);
  board_ = stack_->shared_board();
  loop_ = std::thread([this] {
    // Nothing may escape a thread: it would end the host program.
    try {
      stack_->up();
    } catch (...) {
      std::lock_guard lock(mutex_);
      loop_error_ = std::current_exception();
      done_ = true;
      changed_.notify_all();
    }
  });

  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return all_ready_ || done_; });
  if (all_ready_ && !loop_error_) return;
  lock.unlock();
  loop_.join();  // bring-up failed and everything is stopped: the loop has ended
  stack_.reset();
  if (loop_error_) std::rethrow_exception(loop_error_);
  if (!failure_) throw Error("summon: the session ended before its services were ready");
  throw StartError(name_of(failure_->service), secrets_.mask(failure_->reason), failure_summary_);
}

// Ports are picked per session, so two sessions of one project can run at
// once; the project is compiled again with them, as `summon up` does.
void Session::Impl::compile(const Project::Impl& project) {
  compiled_ = project.compile(nullptr);
  if (!compiled_.ok()) throw_config_error(compiled_);
  if (!compiled_.project->ports.empty()) {
    std::string error;
    auto picked = runtime::pick_ports(compiled_.project->ports, port_claims_, error);
    if (!picked) throw Error("summon: " + error);
    ports_ = std::move(*picked);
    compiled_ = project.compile(&ports_);
    if (!compiled_.ok()) throw_config_error(compiled_);
  }
  secrets_ = config::Secrets::of(*compiled_.project);
  config::Diagnostics diagnostics;
  auto selected = graph::select_services(*compiled_.graph, options_.services,
                                         compiled_.project->file, diagnostics);
  if (!selected) throw_config_error(diagnostics, secrets_);
  selected_ = std::move(*selected);
  in_run_.assign(compiled_.project->services.size(), false);
  for (auto i : selected_) {
    in_run_[i] = true;
    name_width_ = std::max(name_width_, name_of(i).size());
  }
}

void Session::Impl::stop() noexcept {
  if (!stack_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stack_->request_stop();
  loop_.join();
  // The Stack's end empties and removes its cgroups and kills what carries its mark.
  stack_.reset();
}

std::string Session::Impl::take_problems() {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& problem : problems_) text += (text.empty() ? "" : "\n") + problem;
  problems_.clear();
  return text;
}

void Session::Impl::on_change(const engine::StateChange& change) {
  const auto i = change.service;
  const auto& name = name_of(i);
  std::lock_guard lock(mutex_);
  Seen& seen = seen_[i];
  if (const State state = public_state(change.to); state != seen.state) {
    seen.state = state;
    seen.entered[at(state)] = ++changes_;
  }
  if (change.to == engine::State::failed) {
    // Kept for restart() and start(), which may be waiting for this service.
    seen.failure = secrets_.mask(change.reason);
    seen.failure_summary = runtime::failure_summary(
        fmt::format("{}: {}", name, seen.failure), compiled_.project->services[i],
        stack_->board().tail(i, runtime::OutputHistory::tail_lines));
    if (all_ready_ && !stopping_) problems_.push_back(fmt::format("{}: {}", name, seen.failure));
  }
  if (change.to == engine::State::stopped && change.killed)
    problems_.push_back(fmt::format("{}: did not stop in time and was killed", name));
  changed_.notify_all();
}

void Session::Impl::on_all_ready(std::size_t, engine::Duration) {
  std::lock_guard lock(mutex_);
  all_ready_ = true;
  changed_.notify_all();
}

void Session::Impl::on_failure(const engine::Failure& failure) {
  std::lock_guard lock(mutex_);
  failure_ = failure;
}

// After teardown, when the failed service's output has been read to its end.
void Session::Impl::on_done(int, engine::Duration) {
  std::lock_guard lock(mutex_);
  if (failure_)
    failure_summary_ = runtime::failure_summary(
        secrets_.mask(failure_->message), compiled_.project->services[failure_->service],
        stack_->board().tail(failure_->service, runtime::OutputHistory::tail_lines));
  done_ = true;
  changed_.notify_all();
}

void Session::Impl::on_lines(graph::ServiceIndex i, runtime::Stream,
                             std::span<const std::string_view> lines) {
  if (options_.echo) {
    std::string text;
    for (auto line : lines) text += fmt::format("{:<{}} | {}\n", name_of(i), name_width_, line);
    runtime::write_all(STDERR_FILENO, text);
  }
}

// Said at once on stderr, where a test run's log keeps it, and again by stop().
void Session::Impl::on_warning(graph::ServiceIndex i, std::string_view text) {
  auto problem = fmt::format("{}: {}", name_of(i), text);
  runtime::write_all(STDERR_FILENO, "[summon] " + problem + "\n");
  std::lock_guard lock(mutex_);
  problems_.push_back(std::move(problem));
}

// The loop runs the task, unless it ends first (a teardown that finished
// meanwhile): then done_ is set and the wait ends without an answer. The
// answer is shared, so that a task run late never writes to a caller gone.
template <class T>
std::optional<T> Session::Impl::on_loop(std::unique_lock<std::mutex>& lock,
                                        std::function<T(engine::Engine&)> task) {
  if (!stack_ || stopping_ || done_) return std::nullopt;
  auto answer = std::make_shared<std::optional<T>>();
  stack_->post([this, answer, task = std::move(task)](engine::Engine& engine) {
    T value = task(engine);  // without the mutex: the engine reports as it goes
    std::lock_guard lock(mutex_);
    *answer = std::move(value);
    changed_.notify_all();
  });
  changed_.wait(lock, [&] { return answer->has_value() || done_; });
  return std::move(*answer);
}

void Session::Impl::stop(std::string_view name) {
  const auto i = index_of(name);
  std::unique_lock lock(mutex_);
  // The task reads changes_ on the loop, its only writer.
  auto from = on_loop<std::uint64_t>(lock, [this, i](engine::Engine& engine) {
    const auto from = changes_;
    engine.stop(i);
    return from;
  });
  if (!from) return;  // the session has ended: nothing of it runs
  changed_.wait(lock, [&] {
    const Seen& seen = seen_[i];
    for (State over : {State::stopped, State::completed, State::failed, State::skipped})
      if (seen.state == over || seen.entered[at(over)] > *from) return true;
    return done_;
  });
}

void Session::Impl::bring_back(graph::ServiceIndex i, Command command) {
  const auto& name = name_of(i);
  std::unique_lock lock(mutex_);
  // Counted from just before the command, on the loop: a later `ready` is
  // the new process's.
  auto from = on_loop<std::uint64_t>(lock, [this, i, command](engine::Engine& engine) {
    const auto from = changes_;
    if (command == Command::restart)
      engine.restart(i);
    else
      engine.start(i);
    return from;
  });
  if (!from)
    throw Error(fmt::format("summon::Session: cannot {} {}: the session has ended",
                            command == Command::start ? "start" : "restart", name));

  // start() wants it and what it depends on up, and leaves what is up as it
  // is (the service itself is started again only if it ended: a task that
  // completed runs anew). restart() wants the service itself anew. Either
  // may wait on what it depends on: a failure among them is the answer too.
  const auto waits_on = compiled_.graph->closure({i});
  auto back = [&](graph::ServiceIndex k) {
    const Seen& seen = seen_[k];
    if (seen.entered[at(State::ready)] > *from || seen.entered[at(State::completed)] > *from)
      return true;
    if (command == Command::restart) return false;
    return seen.state == State::ready || seen.state == State::unhealthy ||
           (seen.state == State::completed && k != i);
  };
  enum class Outcome { waiting, ready, failed, ended };
  std::optional<graph::ServiceIndex> failed;
  auto outcome = [&] {
    if (command == Command::restart ? back(i) : std::ranges::all_of(waits_on, back))
      return Outcome::ready;
    for (auto k : waits_on)
      if (seen_[k].entered[at(State::failed)] > *from) {
        failed = k;
        return Outcome::failed;
      }
    return done_ ? Outcome::ended : Outcome::waiting;
  };
  const auto limit = longest_way_back(i);
  changed_.wait_for(lock, limit, [&] { return outcome() != Outcome::waiting; });
  switch (outcome()) {
    case Outcome::ready:
      return;
    case Outcome::failed:
      throw_failure(*failed);
    case Outcome::ended:
      throw Error(
          fmt::format("summon::Session: the session ended before {} was ready again", name));
    case Outcome::waiting:
      break;
  }
  // Not back in time: the engine goes on trying, the caller hears of the
  // first service still not up.
  throw_late(lock, command == Command::start ? *std::ranges::find_if_not(waits_on, back) : i, *from,
             limit);
}

// What the service's probe saw last, or what it waits for if it has not
// started again, and its last lines, as a failed bring-up would say them.
void Session::Impl::throw_late(std::unique_lock<std::mutex>& lock, graph::ServiceIndex i,
                               std::uint64_t from, std::chrono::milliseconds limit) {
  auto said = on_loop<Said>(lock, [this, i, limit, from](engine::Engine& engine) {
    const auto waited = std::chrono::duration_cast<config::Duration>(limit);
    const auto& spec = compiled_.project->services[i];
    std::string reason;
    if (seen_[i].entered[at(State::starting)] > from) {
      reason = engine::not_ready_after(waited, stack_->runner().last_probe_result(i));
      if (int restarts = engine.restarts_in_row(i); restarts > 0)
        reason = engine::restarts_tried(reason, restarts);
    } else {
      reason = "not started after " + config::format_duration(waited);
      std::string waits;
      for (const auto& entry : spec.depends_on) {
        auto k = compiled_.graph->index(entry.service);
        if (!k || engine::meets(engine.state(*k), entry.condition)) continue;
        waits += fmt::format("{}{} ({})", waits.empty() ? ": waits for " : ", ", entry.service,
                             engine::state_name(engine.state(*k)));
      }
      reason += waits;
    }
    reason = secrets_.mask(reason);
    return Said{reason, runtime::failure_summary(
                            fmt::format("{}: {}", name_of(i), reason), spec,
                            stack_->board().tail(i, runtime::OutputHistory::tail_lines))};
  });
  if (!said)
    throw Error(
        fmt::format("summon::Session: the session ended before {} was ready again", name_of(i)));
  throw StartError(name_of(i), said->reason, said->summary);
}

// Each of it and what it depends on may have to stop, then take its whole
// `ready` timeout; past all of that together, it is not coming back.
std::chrono::milliseconds Session::Impl::longest_way_back(graph::ServiceIndex i) const {
  std::chrono::milliseconds total{};
  for (auto k : compiled_.graph->closure({i})) {
    const auto& spec = compiled_.project->services[k];
    total += spec.stop.timeout;
    if (spec.ready) total += options_.timeout ? *options_.timeout : spec.ready->timeout;
  }
  return total;
}

// A failure thrown here is the caller's to handle; stop() does not tell it again.
void Session::Impl::throw_failure(graph::ServiceIndex k) {
  const Seen& seen = seen_[k];
  const auto problem = fmt::format("{}: {}", name_of(k), seen.failure);
  if (auto found = std::find(problems_.rbegin(), problems_.rend(), problem);
      found != problems_.rend())
    problems_.erase(std::next(found).base());
  throw StartError(name_of(k), seen.failure, seen.failure_summary);
}

bool Session::Impl::wait_for(std::string_view name, State state,
                             std::chrono::milliseconds timeout) const {
  const auto i = index_of(name);
  std::unique_lock lock(mutex_);
  const auto from = changes_;
  auto came = [&] { return seen_[i].state == state || seen_[i].entered[at(state)] > from; };
  changed_.wait_for(lock, timeout, [&] { return came() || done_; });
  return came();
}

graph::ServiceIndex Session::Impl::index_of(std::string_view name) const {
  auto index = compiled_.graph->index(std::string(name));
  if (index && in_run_[*index]) return *index;
  std::vector<std::string> names;
  for (auto i : selected_) names.push_back(name_of(i));
  throw std::out_of_range(fmt::format("summon::Session: no service named '{}' in this session{}",
                                      name, config::did_you_mean(std::string(name), names)));
}

int Session::Impl::port(std::string_view name) const {
  auto found = ports_.find(std::string(name));
  if (found != ports_.end()) return found->second;
  std::vector<std::string> names;
  for (const auto& [each, _] : ports_) names.push_back(each);
  throw std::out_of_range(fmt::format("summon::Session: no port named '{}'{}", name,
                                      config::did_you_mean(std::string(name), names)));
}

// From the stack's board, the read model `ps` and `logs` see too (it has its
// own lock), kept after the stack has gone. State, pid and restarts all come
// from it, so a caller never sees a restart counted while the old process
// still reads as ready.
State Session::Impl::state(std::string_view name) const {
  return public_state(board_->status(index_of(name)).state);
}

std::optional<pid_t> Session::Impl::pid(std::string_view name) const {
  return board_->status(index_of(name)).pid;
}

int Session::Impl::restarts(std::string_view name) const {
  return board_->status(index_of(name)).restarts;
}

std::string Session::Impl::output(std::string_view name) const {
  return board_->text(index_of(name));
}

std::map<std::string, std::string> Session::Impl::environment() const {
  std::map<std::string, std::string> out;
  for (auto& [key, value] :
       config::run_environment(*compiled_.project, config::process_environment(), ports_))
    out[key] = value;
  return out;
}

Session::Session(const Project& project, Options options)
    : impl_(std::make_unique<Impl>(*project.impl_, std::move(options))) {}

Session::~Session() = default;  // Impl's destructor stops
Session::Session(Session&& other) noexcept = default;

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Session::stop() {
  if (!impl_) return;
  impl_->stop();
  if (auto problems = impl_->take_problems(); !problems.empty()) throw StopError(problems);
}

const Session::Impl& Session::impl() const {
  if (!impl_) throw std::logic_error("summon::Session: used after it was moved from");
  return *impl_;
}
Session::Impl& Session::impl() {
  if (!impl_) throw std::logic_error("summon::Session: used after it was moved from");
  return *impl_;
}

void Session::stop(std::string_view name) {
  impl().stop(name);
}
void Session::start(std::string_view name) {
  impl().start(name);
}
void Session::restart(std::string_view name) {
  impl().restart(name);
}
bool Session::wait_for(std::string_view name, State state,
                       std::chrono::milliseconds timeout) const {
  return impl().wait_for(name, state, timeout);
}

int Session::port(std::string_view name) const {
  return impl().port(name);
}
State Session::state(std::string_view name) const {
  return impl().state(name);
}
std::optional<pid_t> Session::pid(std::string_view name) const {
  return impl().pid(name);
}
int Session::restarts(std::string_view name) const {
  return impl().restarts(name);
}
std::string Session::output(std::string_view name) const {
  return impl().output(name);
}
std::map<std::string, std::string> Session::environment() const {
  return impl().environment();
}

}  // namespace summon

// ServiceProcess: each start's spawn, pumps, probe and stop, and the reports.
#include "runtime/service_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "engine/failure.hpp"
#include "runtime/alive_check.hpp"
#include "runtime/ansi.hpp"
#include "runtime/notify_message.hpp"
#include "runtime/watchdog.hpp"
#include "runtime/port_owner.hpp"

namespace summon::runtime {

namespace {

// While a stopped service's group has members left, look again, at most this
// long apart, in case the last one ends where summon hears nothing of it (its
// parent is another process; or, inside a host program, no orphan comes back
// to summon). The first looks come within a millisecond or two: a child that
// outlives its parent by a moment must not cost a tenth of a second per layer.
constexpr auto group_recheck = std::chrono::milliseconds(100);

void collect_tcp(const config::Probe& probe, std::vector<const config::TcpProbe*>& out) {
  if (const auto* tcp = std::get_if<config::TcpProbe>(&probe.kind)) out.push_back(tcp);
  if (const auto* all = std::get_if<config::AllProbe>(&probe.kind))
    for (const auto& inner : all->probes) collect_tcp(inner, out);
}

// `stopped`: the main process ended while this start was being stopped.
engine::ExitStatus exit_status(int wait_status, bool stopped) {
  engine::ExitStatus status;
  if (WIFEXITED(wait_status)) status.code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) status.signal = WTERMSIG(wait_status);
  status.by_stop_signal = stopped;
  return status;
}

}  // namespace

// What one start has and the next must not inherit.
struct ServiceProcess::Start {
  ~Start() { close_pipes(); }
  void close_pipes() {
    for (int* fd : {&out_fd, &err_fd})
      if (*fd >= 0) ::close(std::exchange(*fd, -1));
  }

  std::unique_ptr<ProcessGroup> group;  // once spawned
  std::unique_ptr<Probe> probe;
  std::string last_probe;  // what the probe saw last, kept once it is gone
  // Until the child has exec'd, its output pipes, not yet pumped, so that
  // the `started` line comes before anything it prints.
  int out_fd = -1, err_fd = -1;
  std::unique_ptr<OutputPump> out, err;
  std::unique_ptr<Backoff> recheck;  // while draining: look again, soon at first
  // From ready on: its liveness, from its `alive` probe and its watchdog,
  // each unhealthy or not; and the last ERRNO= it sent.
  std::unique_ptr<AliveCheck> alive;
  std::unique_ptr<Watchdog> watchdog;
  bool alive_unhealthy = false, watchdog_unhealthy = false;
  std::optional<int> error_number;
};

ServiceProcess::ServiceProcess(ServiceHost& host, graph::ServiceIndex index,
                               const config::ServiceSpec& spec, config::EnvList environment)
    : host_(host), index_(index), spec_(spec), start_(std::make_unique<Start>()) {
  target_.service = spec_.name;
  target_.environment = std::move(environment);
  target_.cwd = spec_.cwd;
  target_.user = spec_.user;
  target_.owns = [this](pid_t sender) {
    return leader_unreaped(state_) && start_->group && start_->group->owns(sender);
  };
}

ServiceProcess::~ServiceProcess() = default;

bool ServiceProcess::change(ProcessEvent event) {
  auto next = next_state(state_, event);
  if (!next) return false;
  state_ = *next;
  return true;
}

void ServiceProcess::report(std::function<void(engine::RunnerEvents&)> call) {
  boost::asio::post(host_.io(),
                    [this, alive = std::weak_ptr<bool>(alive_), call = std::move(call)] {
                      if (!alive.expired()) call(host_.events());
                    });
}

std::string ServiceProcess::last_probe_result() const {
  return start_->probe ? start_->probe->last_result() : start_->last_probe;
}

std::optional<pid_t> ServiceProcess::pid() const {
  if (!start_->group) return std::nullopt;
  return start_->group->pid();
}

std::optional<std::string> ServiceProcess::port_taken() const {
  if (!spec_.ready) return std::nullopt;
  std::vector<const config::TcpProbe*> probes;
  collect_tcp(*spec_.ready, probes);
  for (const auto* tcp : probes)
    if (is_loopback_host(tcp->host) && port_accepts(tcp->host, tcp->port.number))
      return port_in_use_message(tcp->port.number);
  return std::nullopt;
}

void ServiceProcess::start_failed(std::string why) {
  change(ProcessEvent::spawn_failed);
  start_->close_pipes();
  drop_probe();
  const auto i = index_;
  report(
      [i, why = std::move(why)](engine::RunnerEvents& events) { events.on_start_failed(i, why); });
}

void ServiceProcess::start() {
  if (!can_start(state_)) return;
  // The start before is over, its processes gone: its last bytes go to the
  // history before anything of the new one, and nothing else of it stays.
  drain_output();
  start_ = std::make_unique<Start>();

  if (auto taken = port_taken()) return start_failed(*taken);
  SpawnRequest request;
  request.argv = spec_.command.argv;
  request.environment = target_.environment;
  request.cwd = spec_.cwd;
  request.user = spec_.user;
  if (spec_.ready) {
    prepare_probe();
    if (auto error = start_->probe->prepare(request)) return start_failed(*error);
  }
  if (spec_.watchdog) add_watchdog_environment(request, *spec_.watchdog);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return start_failed(engine::cannot_start(fmt::format("pipe: {}", std::strerror(errno))));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int why = errno;
    ::close(out[0]);
    ::close(out[1]);
    return start_failed(engine::cannot_start(fmt::format("pipe: {}", std::strerror(why))));
  }
  request.stdout_fd = out[1];
  request.stderr_fd = err[1];
  start_->out_fd = out[0];
  start_->err_fd = err[0];

  // The spawner answers from the loop: whether the exec worked, then the exit.
  SpawnEvents events;
  events.exec = [this](std::optional<std::string> error) { exec_known(std::move(error)); };
  events.exit = [this](int wait_status) { exited(wait_status); };
  auto spawned = host_.spawner().spawn(spec_.name, std::move(request), std::move(events));
  ::close(out[1]);
  ::close(err[1]);
  if (auto* error = std::get_if<std::string>(&spawned))
    return start_failed(engine::cannot_start(*error));
  start_->group = std::move(std::get<std::unique_ptr<ProcessGroup>>(spawned));
  change(ProcessEvent::spawned);
}

void ServiceProcess::prepare_probe() {
  const auto i = index_;
  ProbeEvents events;
  events.ready = [this, i] {
    // A success counts only while the process lives and is not stopped.
    if (state_ != ProcessState::running || start_->group->main_ended()) return;
    // Watched from here, so that a WATCHDOG=1 beside READY=1 counts.
    watch_health();
    report([i](engine::RunnerEvents& events) { events.on_ready(i); });
  };
  events.failed = [this, i](std::string why) {
    if (state_ != ProcessState::running) return;
    report([i, why = std::move(why)](engine::RunnerEvents& events) {
      events.on_probe_failed(i, why);
    });
  };
  events.status = [this](std::string text) { host_.listener().on_status(index_, text); };
  events.notice = [this](std::string text) { host_.listener().on_notice(index_, text); };
  events.watchdog = [this] {
    if (start_->watchdog) start_->watchdog->ping();
  };
  events.watchdog_trigger = [this] {
    if (start_->watchdog) start_->watchdog->trigger();
  };
  events.extend = [this, i](std::chrono::microseconds extra) {
    if (state_ != ProcessState::running) return;
    report([i, extra](engine::RunnerEvents& events) {
      events.on_deadline_extended(i, std::chrono::duration_cast<engine::Duration>(extra));
    });
  };
  events.error_number = [this](int error) { start_->error_number = error; };
  start_->probe =
      runtime::make_probe(*spec_.ready, target_, host_.probe_context(), std::move(events));
}

void ServiceProcess::exec_known(std::optional<std::string> error) {
  const auto i = index_;
  if (error) {
    if (!change(ProcessEvent::exec_failed)) return;
    start_->close_pipes();
    drop_probe();
    report([i, why = engine::cannot_start(*error)](engine::RunnerEvents& events) {
      events.on_start_failed(i, why);
    });
    // Nothing of it runs: a stop asked meanwhile is over at once.
    if (state_ == ProcessState::stopped)
      report([i](engine::RunnerEvents& events) { events.on_stopped(i); });
    return;
  }
  if (!change(ProcessEvent::exec_ok)) return;
  start_output();
  // Told at once (the engine handles it right after this call), so that the
  // `started` line comes before anything the service prints.
  host_.events().on_started(i);
  if (start_->probe)
    start_->probe->start();
  else
    watch_health();  // ready as soon as started
}

// Liveness from ready on (SPEC 1.5): the `alive` probe and the watchdog each
// say unhealthy or healthy; the engine hears unhealthy once, and healthy
// again only when neither says otherwise.
void ServiceProcess::watch_health() {
  const auto i = index_;
  auto verdict = [this, i](bool Start::*flag) {
    HealthEvents events;
    events.unhealthy = [this, i, flag](std::string why) {
      const bool was = start_->alive_unhealthy || start_->watchdog_unhealthy;
      (*start_).*flag = true;
      if (!was)
        report([i, why = std::move(why)](engine::RunnerEvents& events) {
          events.on_unhealthy(i, why);
        });
    };
    events.healthy = [this, i, flag] {
      (*start_).*flag = false;
      if (!start_->alive_unhealthy && !start_->watchdog_unhealthy)
        report([i](engine::RunnerEvents& events) { events.on_healthy(i); });
    };
    return events;
  };
  if (spec_.alive && !start_->alive) {
    // Who holds the port was settled when it got ready; looking again at
    // every attempt would read every process's descriptors, each second.
    ProbeTarget target = target_;
    target.owns = nullptr;
    start_->alive = std::make_unique<AliveCheck>(*spec_.alive, target, host_.probe_context(),
                                                 verdict(&Start::alive_unhealthy));
  }
  if (spec_.watchdog && !start_->watchdog)
    start_->watchdog = std::make_unique<Watchdog>(host_.io(), *spec_.watchdog,
                                                  verdict(&Start::watchdog_unhealthy));
}

void ServiceProcess::stop_health() {
  start_->alive.reset();
  start_->watchdog.reset();
}

void ServiceProcess::start_output() {
  auto now = std::chrono::system_clock::now();
  if (auto refused = history_.begin_start(host_.log_folder(), spec_.name + ".log", now))
    host_.listener().on_warning(index_, *refused);
  auto flush = [this](std::string_view bytes) {
    // The log gets the bytes as read, not the lines cut for display. A full
    // disk loses the rest of the log, said once, never the run.
    if (auto lost = history_.log(bytes)) host_.listener().on_warning(index_, *lost);
    host_.listener().flush();
  };
  Start& start = *start_;
  start.out = std::make_unique<OutputPump>(
      host_.io(), start.out_fd, [this](Lines lines) { take_lines(Stream::out, lines); }, flush);
  start.err = std::make_unique<OutputPump>(
      host_.io(), start.err_fd, [this](Lines lines) { take_lines(Stream::err, lines); }, flush);
  start.out_fd = start.err_fd = -1;  // the pumps own them
  start.out->start();
  start.err->start();
}

void ServiceProcess::take_lines(Stream stream, Lines lines) {
  history_.keep(stream, lines);
  host_.listener().on_lines(index_, stream, lines);
  Probe* probe = start_->probe.get();
  if (!probe) return;
  for (auto line : lines) {
    if (line.find('\x1b') == std::string_view::npos)
      probe->line(stream, line);
    else
      probe->line(stream, strip_ansi(line));
  }
}

void ServiceProcess::drop_probe() {
  if (!start_->probe) return;
  start_->last_probe = start_->probe->last_result();
  start_->probe.reset();
}

void ServiceProcess::drain_output() {
  if (start_->out) start_->out->drain();
  if (start_->err) start_->err->drain();
}

void ServiceProcess::exited(int wait_status) {
  const bool stopped = state_ == ProcessState::stopping;
  if (!change(ProcessEvent::reaped)) return;
  // Its last words come before the news of its end.
  drain_output();
  stop_health();
  drop_probe();
  const auto i = index_;
  auto status = exit_status(wait_status, stopped);
  if (start_->error_number) status.note = errno_note(*start_->error_number);
  report([i, status](engine::RunnerEvents& events) { events.on_exited(i, status); });
  check_group();
}

void ServiceProcess::stop(int signal) {
  // A notify socket stays until the main process has ended (exited() drops
  // it): servers say STOPPING=1 on their way down, and log an error if the
  // socket is gone.
  stop_health();
  if (!start_->probe || !start_->probe->stays_while_stopping()) drop_probe();
  if (!change(ProcessEvent::stop)) return;
  const auto i = index_;
  if (state_ == ProcessState::stopped) {  // nothing ran
    report([i](engine::RunnerEvents& events) { events.on_stopped(i); });
    return;
  }
  start_->group->signal(signal);
  check_group();
  wait_for_empty_group();
}

void ServiceProcess::kill() {
  stop(SIGKILL);
}

void ServiceProcess::check_group() {
  if (state_ != ProcessState::draining || start_->group->anything_left()) return;
  change(ProcessEvent::group_empty);
  start_->recheck.reset();
  drain_output();
  start_->group->release();
  const auto i = index_;
  report([i](engine::RunnerEvents& events) { events.on_stopped(i); });
}

void ServiceProcess::wait_for_empty_group() {
  if (state_ == ProcessState::stopped) return;
  Start& start = *start_;
  if (!start.recheck) {
    start.recheck = std::make_unique<Backoff>(host_.io(), group_recheck);
    start.recheck->begin();
  }
  start.recheck->wait([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    check_group();
    wait_for_empty_group();
  });
}

}  // namespace summon::runtime

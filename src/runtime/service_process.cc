// ServiceProcess: spawn, pumps, probe, stop signals, and the reports.
#include "runtime/service_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "engine/failure.hpp"
#include "runtime/adopted.hpp"
#include "runtime/ansi.hpp"
#include "runtime/membership.hpp"
#include "runtime/port_owner.hpp"
#include "runtime/spawn.hpp"

namespace summon::runtime {

namespace {

// While a stopped service's group has members left, look again, at most this
// long apart, in case the last one ends where summon hears nothing of it (its
// parent is another process; or, inside a host program, no orphan comes back
// to summon). The first looks come within a millisecond or two: a child that
// outlives its parent by a moment must not cost a tenth of a second per layer.
constexpr auto group_recheck = std::chrono::milliseconds(100);

bool group_alive(pid_t pgid) {
  return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

void collect_tcp(const config::Probe& probe, std::vector<const config::TcpProbe*>& out) {
  if (const auto* tcp = std::get_if<config::TcpProbe>(&probe.kind)) out.push_back(tcp);
  if (const auto* all = std::get_if<config::AllProbe>(&probe.kind))
    for (const auto& inner : all->probes) collect_tcp(inner, out);
}

engine::ExitStatus exit_status(int wait_status, int stop_signal) {
  engine::ExitStatus status;
  if (WIFEXITED(wait_status)) status.code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) status.signal = WTERMSIG(wait_status);
  status.by_stop_signal =
      stop_signal != 0 && (status.signal == stop_signal || status.signal == SIGKILL);
  return status;
}

}  // namespace

ServiceProcess::ServiceProcess(ProcessRunner& runner, graph::ServiceIndex index)
    : runner_(runner), index_(index), spec_(runner.project_.services[index]) {
  target_.service = spec_.name;
  target_.environment = runner.service_environment(index);
  target_.cwd = spec_.cwd;
  target_.user = spec_.user;
  target_.owns = [this](pid_t sender) {
    return pid_ && !exited_ && belongs_to_service(sender, *pid_, cgroup_ ? &*cgroup_ : nullptr);
  };
}

ServiceProcess::~ServiceProcess() {
  if (pid_) runner_.reaper_.forget(*pid_);
  for (int fd : {out_fd_, err_fd_})
    if (fd >= 0) ::close(fd);
}

void ServiceProcess::report(std::function<void(engine::Engine&)> call) {
  boost::asio::post(runner_.io_, [alive = std::weak_ptr<bool>(alive_), engine = runner_.engine_,
                                  call = std::move(call)] {
    if (!alive.expired()) call(*engine);
  });
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

void ServiceProcess::open_log() {
  if (!runner_.settings_.log_folder) return;
  std::string refused;
  log_ = runner_.settings_.log_folder->open_file(spec_.name + ".log", refused);
  if (!refused.empty()) runner_.listener_.on_warning(index_, refused);
}

void ServiceProcess::start() {
  const auto i = index_;
  if (auto taken = port_taken()) {
    report([i, why = *taken](engine::Engine& engine) { engine.on_start_failed(i, why); });
    return;
  }

  SpawnRequest request;
  request.argv = spec_.command.argv;
  request.environment = target_.environment;
  request.cwd = spec_.cwd;
  request.user = spec_.user;
  if (runner_.settings_.cgroups) cgroup_ = runner_.settings_.cgroups->leaf("svc-" + spec_.name);
  if (cgroup_) request.cgroup = cgroup_->path();
  if (spec_.ready) {
    ProbeEvents events;
    events.ready = [this, i] {
      // A success counts only while the process lives, and is not stopped.
      if (exited_ || stopping_ || !pid_ || ChildReaper::has_ended(*pid_)) return;
      report([i](engine::Engine& engine) { engine.on_ready(i); });
    };
    events.failed = [this, i](std::string why) {
      if (exited_ || stopping_) return;
      report([i, why = std::move(why)](engine::Engine& engine) { engine.on_probe_failed(i, why); });
    };
    events.status = [this](std::string text) { runner_.listener_.on_status(index_, text); };
    events.notice = [this](std::string text) { runner_.listener_.on_notice(index_, text); };
    probe_ = make_probe(*spec_.ready, target_, runner_.probe_context_, std::move(events));
    if (auto error = probe_->prepare(request)) {
      probe_.reset();
      report([i, why = *error](engine::Engine& engine) { engine.on_start_failed(i, why); });
      return;
    }
  }

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    const std::string why = engine::cannot_start(fmt::format("pipe: {}", std::strerror(errno)));
    report([i, why](engine::Engine& engine) { engine.on_start_failed(i, why); });
    return;
  }
  request.stdout_fd = out[1];
  request.stderr_fd = err[1];
  auto started = start_process(request);
  ::close(out[1]);
  ::close(err[1]);
  if (auto* error = std::get_if<std::string>(&started)) {
    ::close(out[0]);
    ::close(err[0]);
    probe_.reset();
    report([i, why = engine::cannot_start(*error)](engine::Engine& engine) {
      engine.on_start_failed(i, why);
    });
    return;
  }

  // The loop goes on while the child loads: whether its exec worked comes
  // back on exec_result.
  const auto [pid, exec_result] = std::get<StartedProcess>(started);
  pid_ = pid;
  out_fd_ = out[0];
  err_fd_ = err[0];
  exec_pending_ = true;
  runner_.reaper_.watch(pid, [this](int wait_status) { exited(wait_status); });
  exec_result_ = std::make_unique<boost::asio::posix::stream_descriptor>(runner_.io_, exec_result);
  exec_result_->async_read_some(boost::asio::buffer(&exec_error_, sizeof exec_error_),
                                [this, alive = std::weak_ptr<bool>(alive_)](
                                    const boost::system::error_code&, std::size_t got) {
                                  if (alive.expired()) return;
                                  // An int to a pipe arrives whole or not at all; end of file means
                                  // exec'd.
                                  exec_known(got == sizeof exec_error_ ? exec_error_ : 0);
                                });
}

void ServiceProcess::exec_known(int error) {
  exec_pending_ = false;
  exec_result_.reset();
  const auto i = index_;
  if (error != 0) {
    exec_failed_ = true;
    ::close(out_fd_);
    ::close(err_fd_);
    out_fd_ = err_fd_ = -1;
    probe_.reset();
    const std::string why =
        engine::cannot_start(exec_error_text(spec_.command.argv.front(), error, spec_.cwd));
    report([i, why](engine::Engine& engine) { engine.on_start_failed(i, why); });
    return;
  }
  start_output();
  // Told at once (the engine handles it right after this call), so that the
  // `started` line comes before anything the service prints.
  runner_.engine_->on_started(i);
  if (probe_) probe_->start();
  if (early_exit_) exited(*early_exit_);
}

void ServiceProcess::start_output() {
  open_log();
  auto flush = [this](std::string_view bytes) {
    // The log gets the bytes as read, not the lines cut for display. A full
    // disk loses the rest of the log, said once, never the run.
    if (auto lost = log_.append(bytes)) runner_.listener_.on_warning(index_, *lost);
    runner_.listener_.flush();
  };
  out_ = std::make_unique<OutputPump>(
      runner_.io_, out_fd_, [this](Lines lines) { take_lines(Stream::out, lines); }, flush);
  err_ = std::make_unique<OutputPump>(
      runner_.io_, err_fd_, [this](Lines lines) { take_lines(Stream::err, lines); }, flush);
  out_fd_ = err_fd_ = -1;  // the pumps own them
  out_->start();
  err_->start();
}

void ServiceProcess::take_lines(Stream stream, Lines lines) {
  // Only the last ones can end up in the tail.
  const std::size_t skipped = lines.size() > tail_.size() ? lines.size() - tail_.size() : 0;
  lines_seen_ += skipped;
  for (auto line : lines.subspan(skipped)) {
    auto& kept = tail_[lines_seen_++ % tail_.size()];
    kept.stream = stream;
    kept.text.assign(line);
  }
  runner_.listener_.on_lines(index_, stream, lines);
  if (!probe_) return;
  for (auto line : lines) {
    if (line.find('\x1b') == std::string_view::npos)
      probe_->line(stream, line);
    else
      probe_->line(stream, strip_ansi(line));
  }
}

std::deque<OutputLine> ServiceProcess::tail() const {
  std::deque<OutputLine> lines;
  const std::size_t kept = std::min(lines_seen_, tail_.size());
  for (std::size_t n = lines_seen_ - kept; n < lines_seen_; ++n)
    lines.push_back(tail_[n % tail_.size()]);
  return lines;
}

void ServiceProcess::drop_probe() {
  if (!probe_) return;
  last_probe_ = probe_->last_result();
  probe_.reset();
}

void ServiceProcess::exited(int wait_status) {
  // Reaped before its exec result was read: handled once it is.
  if (exec_pending_) {
    early_exit_ = wait_status;
    return;
  }
  if (exec_failed_) return;  // told as a start failure
  exited_ = true;
  // Its last words come before the news of its end.
  if (out_) out_->drain();
  if (err_) err_->drain();
  drop_probe();
  const auto i = index_;
  const auto status = exit_status(wait_status, stop_signal_);
  report([i, status](engine::Engine& engine) { engine.on_exited(i, status); });
  check_group();
}

void ServiceProcess::stop(int signal) {
  // A notify socket stays until the main process has ended (exited() drops
  // it): servers say STOPPING=1 on their way down, and log an error if the
  // socket is gone.
  if (!probe_ || !probe_->stays_while_stopping()) drop_probe();
  stopping_ = true;
  if (!pid_) {
    stopped_reported_ = true;
    const auto i = index_;
    report([i](engine::Engine& engine) { engine.on_stopped(i); });
    return;
  }
  if (stop_signal_ == 0) stop_signal_ = signal;
  // Once the main process is reaped its pid is free, and the group's number
  // with it when no member is left: signal it only while it is provably
  // still this service's.
  const bool group_signalled = !exited_ || (!cgroup_ && still_ours(*pid_));
  if (group_signalled) ::kill(-*pid_, signal);
  if (!cgroup_)
    signal_escaped(signal);
  else if (signal == SIGKILL)
    cgroup_->kill();
  else
    cgroup_->signal_members(signal, group_signalled ? *pid_ : 0);
  check_group();
  wait_for_empty_group();
}

void ServiceProcess::kill() {
  stop(SIGKILL);
}

// Without a cgroup: adopted orphans that still carry this service's name in
// their environment left its group; each may lead a group of its own (setsid).
void ServiceProcess::signal_escaped(int signal) {
  for (pid_t pid : adopted_children(runner_.reaper_)) {
    if (!started_under(pid, runner_.project_.name, spec_.name)) continue;
    if (std::find(escaped_.begin(), escaped_.end(), pid) == escaped_.end()) escaped_.push_back(pid);
  }
  // Each is still summon's child, or no longer signalled: its pid may be reused.
  const auto adopted = adopted_children(runner_.reaper_);
  for (pid_t pid : escaped_) {
    if (std::find(adopted.begin(), adopted.end(), pid) == adopted.end()) continue;
    if (::getpgid(pid) == pid) ::kill(-pid, signal);
    ::kill(pid, signal);
  }
}

bool ServiceProcess::anything_left() const {
  if (cgroup_) return cgroup_->populated();
  // Before the main process is reaped its pid holds the group's number;
  // after, only a process of summon's can prove the number is still ours.
  if (pid_ && (exited_ ? still_ours(*pid_) : group_alive(*pid_))) return true;
  for (pid_t pid : escaped_)
    if (still_ours(pid)) return true;
  const auto adopted = adopted_children(runner_.reaper_);
  for (pid_t pid : escaped_)
    if (std::find(adopted.begin(), adopted.end(), pid) != adopted.end()) return true;
  return false;
}

bool ServiceProcess::still_ours(pid_t group) const {
  return group_still_ours(runner_.reaper_, group, runner_.settings_.run_id,
                          runner_.settings_.identity);
}

void ServiceProcess::check_group() {
  if (!stopping_ || stopped_reported_ || !exited_) return;
  if (anything_left()) return;
  stopped_reported_ = true;
  recheck_.reset();
  // Now, not all at once at the end: removing a cgroup takes a while.
  if (cgroup_) cgroup_->remove();
  const auto i = index_;
  report([i](engine::Engine& engine) { engine.on_stopped(i); });
}

void ServiceProcess::wait_for_empty_group() {
  if (stopped_reported_) return;
  if (!recheck_) {
    recheck_ = std::make_unique<Backoff>(runner_.io_, group_recheck);
    recheck_->begin();
  }
  recheck_->wait([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    check_group();
    wait_for_empty_group();
  });
}

}  // namespace summon::runtime

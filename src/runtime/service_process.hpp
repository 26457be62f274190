// One service at run time: its process group, output pumps, probe and tail.
#pragma once

#include <sys/types.h>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/exit_status.hpp"
#include "runtime/backoff.hpp"
#include "runtime/log_file.hpp"
#include "runtime/output_pump.hpp"
#include "runtime/probe.hpp"
#include "runtime/process_runner.hpp"

namespace summon::runtime {

class ServiceProcess {
 public:
  ServiceProcess(ProcessRunner& runner, graph::ServiceIndex index);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  void start();
  void stop(int signal);
  void kill();
  /// After any child was reaped: reports `stopped` if the group has emptied.
  void check_group();

  std::string last_probe_result() const { return probe_ ? probe_->last_result() : last_probe_; }
  std::optional<pid_t> pid() const { return pid_; }
  std::deque<OutputLine> tail() const;
  const config::EnvList& environment() const { return target_.environment; }

 private:
  void report(std::function<void(engine::Engine&)> call);
  std::optional<std::string> port_taken() const;
  void open_log();
  using Lines = std::span<const std::string_view>;
  void take_lines(Stream stream, Lines lines);
  void exec_known(int error);
  void start_output();
  void exited(int wait_status);
  void drop_probe();
  void wait_for_empty_group();
  void signal_escaped(int signal);
  bool anything_left() const;
  /// Whether process group or session `group` of this service, its leader
  /// reaped, is provably still this run's (group_still_ours).
  bool still_ours(pid_t group) const;

  ProcessRunner& runner_;
  graph::ServiceIndex index_;
  const config::ServiceSpec& spec_;
  ProbeTarget target_;
  std::unique_ptr<Probe> probe_;
  std::string last_probe_;  // what the probe saw last, kept once it is gone
  std::unique_ptr<OutputPump> out_, err_;
  // The last lines, as a ring: on the log pump's path a line is copied into
  // a string that keeps its capacity, not allocated anew.
  std::array<OutputLine, ProcessRunner::tail_lines> tail_;
  std::size_t lines_seen_ = 0;
  LogFile log_;  // `--log-dir`: the bytes of both pipes, as read

  std::optional<pid_t> pid_;  // the main process, and its group
  // Until the child has exec'd: its output pipes, not yet pumped (so the
  // `started` line comes before anything it prints), and whether it exited.
  std::unique_ptr<boost::asio::posix::stream_descriptor> exec_result_;
  int exec_error_ = 0;
  int out_fd_ = -1, err_fd_ = -1;
  bool exec_pending_ = false;
  bool exec_failed_ = false;
  std::optional<int> early_exit_;
  std::optional<Cgroup> cgroup_;  // all its processes, where cgroups are at hand
  std::vector<pid_t> escaped_;  // descendants found outside the group at stop
  bool exited_ = false;
  int stop_signal_ = 0;       // the first stop signal summon sent; 0 before any
  bool stopping_ = false;     // stop() or kill() asked: report `stopped` when the group empties
  bool stopped_reported_ = false;
  std::unique_ptr<Backoff> recheck_;  // while stopping: look again, soon at first
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace summon::runtime

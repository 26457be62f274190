// OsSpawner and the processes of one start: the exec's answer before the
// exit, and signals that never reach a pid that may have been reused.
#include "runtime/os_spawner.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "runtime/adopted.hpp"
#include "runtime/membership.hpp"

namespace summon::runtime {

namespace {

bool group_alive(pid_t pgid) {
  return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

bool contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

class OsProcessGroup final : public ProcessGroup {
 public:
  OsProcessGroup(const SpawnContext& context, std::string service, const SpawnRequest& request,
                 StartedProcess started, std::optional<Cgroup> cgroup, SpawnEvents events)
      : context_(context),
        service_(std::move(service)),
        program_(request.argv.front()),
        cwd_(request.cwd),
        pid_(started.pid),
        exec_result_(context.io, started.exec_result),
        cgroup_(std::move(cgroup)),
        events_(std::move(events)) {
    context_.reaper.watch(pid_, [this](int wait_status) { reaped(wait_status); });
    exec_result_.async_read_some(
        boost::asio::buffer(exec_error_.get(), sizeof(int)),
        [this, alive = std::weak_ptr<bool>(alive_), error = exec_error_](
            const boost::system::error_code& failed, std::size_t got) {
          if (alive.expired() || failed == boost::asio::error::operation_aborted) return;
          // An int to a pipe arrives whole or not at all; end of file means exec'd.
          exec_known(got == sizeof(int) ? *error : 0);
        });
  }

  ~OsProcessGroup() override {
    if (!reaped_) context_.reaper.forget(pid_);
  }

  pid_t pid() const override { return pid_; }

  bool main_ended() const override { return reaped_ || ChildReaper::has_ended(pid_); }

  void signal(int signal) override {
    signalled_ = true;
    // Once the main process is reaped its pid is free, and the group's
    // number with it when no member is left: the group is signalled only
    // while it is provably still this start's.
    const bool group_signalled = !reaped_ || (!cgroup_ && still_ours(pid_));
    // A child that has not called setsid yet leads no group; it blocks every
    // signal until just before exec, so one sent to it now is not lost, and
    // one sent twice (here and to the cgroup's members) arrives once.
    if (group_signalled && ::kill(-pid_, signal) != 0 && errno == ESRCH && !reaped_)
      ::kill(pid_, signal);
    if (!cgroup_)
      signal_escaped(signal);
    else if (signal == SIGKILL)
      cgroup_->kill();
    else
      cgroup_->signal_members(signal, group_signalled ? pid_ : 0);
  }

  bool anything_left() const override {
    if (cgroup_) return cgroup_->populated();
    // Before the main process is reaped its pid holds the group's number;
    // after, only a process of summon's can prove the number is still ours.
    if (reaped_ ? still_ours(pid_) : group_alive(pid_)) return true;
    for (pid_t pid : escaped_)
      if (still_ours(pid)) return true;
    const auto adopted = adopted_children(context_.reaper);
    for (pid_t pid : escaped_)
      if (contains(adopted, pid)) return true;
    return false;
  }

  bool owns(pid_t sender) const override {
    return belongs_to_service(sender, pid_, cgroup_ ? &*cgroup_ : nullptr);
  }

  void release() override {
    // A main process that ended on its own is likely to be started again by
    // a restart policy: its leaf stays for that start (the tree removes it at
    // the end), which spares the kernel's making and unmaking of a cgroup per
    // crash. One summon stopped is removed now, as teardown goes.
    if (cgroup_ && !ended_by_itself_) cgroup_->remove();
  }

 private:
  void exec_known(int error) {
    exec_result_.close();
    if (error == 0) {
      events_.exec(std::nullopt);
      return;
    }
    // It exits right after saying why: the reaper takes it without a word.
    if (!reaped_) context_.reaper.forget(pid_);
    reaped_ = true;
    events_.exec(exec_error_text(program_, error, cwd_));
  }

  void reaped(int wait_status) {
    reaped_ = true;
    ended_by_itself_ = !signalled_;
    if (exec_result_.is_open()) {
      // Reaped before its exec's answer was read: the child is gone, so the
      // answer is in the pipe now (an errno, or end of file).
      int error = 0;
      ssize_t got;
      do got = ::read(exec_result_.native_handle(), &error, sizeof error);
      while (got < 0 && errno == EINTR);
      exec_known(got == sizeof error ? error : 0);
      if (got == sizeof error && error != 0) return;
    }
    events_.exit(wait_status);
  }

  bool still_ours(pid_t group) const {
    return group_still_ours(context_.reaper, group, context_.run_id, context_.identity);
  }

  // Without a cgroup: adopted orphans that still carry this service's name
  // in their environment left its group; each may lead a group of its own.
  void signal_escaped(int signal) {
    for (pid_t pid : adopted_children(context_.reaper))
      if (!contains(escaped_, pid) && started_under(pid, context_.project, service_))
        escaped_.push_back(pid);
    // Each is still summon's child, or no longer signalled: its pid may be reused.
    const auto adopted = adopted_children(context_.reaper);
    for (pid_t pid : escaped_) {
      if (!contains(adopted, pid)) continue;
      if (::getpgid(pid) == pid) ::kill(-pid, signal);
      ::kill(pid, signal);
    }
  }

  const SpawnContext& context_;
  std::string service_;
  std::string program_, cwd_;  // for the words of an exec error
  pid_t pid_;
  // Reaped, or left to the reaper after a failed exec: from then on its pid
  // may be reused.
  bool reaped_ = false;
  bool signalled_ = false;        // summon sent it a signal
  bool ended_by_itself_ = false;  // its main process ended before any signal of summon's
  boost::asio::posix::stream_descriptor exec_result_;  // open until the exec's answer is read
  std::shared_ptr<int> exec_error_ = std::make_shared<int>(0);
  std::optional<Cgroup> cgroup_;  // all its processes, where cgroups are at hand
  std::vector<pid_t> escaped_;    // descendants found outside the group when signalled
  SpawnEvents events_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::variant<std::unique_ptr<ProcessGroup>, std::string> OsSpawner::spawn(
    const std::string& service, SpawnRequest request, SpawnEvents events) {
  std::optional<Cgroup> cgroup;
  if (context_.cgroups)
    cgroup =
        context_.cgroups->leaf(service == run_command_name ? "run" : service_leaf_name(service));
  if (cgroup) request.cgroup = cgroup->path();
  auto started = start_process(request);
  if (auto* error = std::get_if<std::string>(&started)) return std::move(*error);
  return std::make_unique<OsProcessGroup>(context_, service, request,
                                          std::get<StartedProcess>(started), std::move(cgroup),
                                          std::move(events));
}

}  // namespace summon::runtime

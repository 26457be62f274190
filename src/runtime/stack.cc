// Stack: the loop that runs `up` and `run`, and what ends it.
#include "runtime/stack.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <set>

#include <boost/asio/post.hpp>

#include "runtime/adopted.hpp"
#include "runtime/run_mark.hpp"
#include "runtime/spawn.hpp"
#include "runtime/user_entry.hpp"

namespace summon::runtime {

namespace {

// `summon run` gives its command this long after SIGTERM (SPEC 3.2).
constexpr auto command_stop_timeout = std::chrono::seconds(10);

// summon's own user ids and those of the services' `user:`.
RunIdentity run_identity(const config::ProjectSpec& project) {
  std::set<uid_t> uids;
  for (const auto& service : project.services)
    if (service.user)
      if (auto found = find_user(*service.user)) uids.insert(found->uid);
  return RunIdentity::now(uids);
}

int command_exit_code(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace

Stack::Stack(const config::ProjectSpec& project, const graph::DependencyGraph& graph,
             std::vector<graph::ServiceIndex> selected, StackOptions options,
             StackObserver& observer, OutputListener& listener)
    : project_(project),
      options_(std::move(options)),
      observers_{&observer},
      listeners_{&listener},
      board_(std::make_shared<StatusBoard>(project.services.size())),
      recorder_(graph),
      run_id_(new_run_id()),
      identity_(run_identity(project)),
      guardian_(run_id_, identity_),
      reaper_(io_, options_.embedded ? Reaping::own_children : Reaping::every_child),
      clock_(io_),
      guardian_watch_(io_) {
  // Signal dispositions belong to the program: the library's host keeps
  // its own, and stops the stack with request_stop().
  if (!options_.embedded) {
    // A closed stdout (`summon up | head`) must not kill summon and orphan
    // every service; the children get SIGPIPE back (spawn resets it).
    ::signal(SIGPIPE, SIG_IGN);
    signals_.emplace(io_, SIGINT, SIGTERM, SIGHUP);
  }
  RunnerSettings settings;
  settings.ports = options_.ports;
  settings.base_environment = config::process_environment();
  settings.run_id = run_id_;
  settings.identity = identity_;
  settings.log_folder = options_.log_folder;
  settings.cgroups = &cgroups_;
  if (cgroups_.enabled()) guardian_.track_cgroup(cgroups_.path());
  OutputListener& output = *this;
  runner_ = std::make_unique<ProcessRunner>(io_, reaper_, project, std::move(settings), output);
  engine::Observer& self = *this;
  engine_ = std::make_unique<engine::Engine>(project, graph, std::move(selected), *runner_, clock_,
                                             self, options_.engine);
  runner_->attach(*engine_);
}

Stack::~Stack() {
  command_process_.reset();
  engine_.reset();
  runner_.reset();
  // Orphans adopted by now descend from something summon started and have
  // outlived it (a `run` command's background job, say): they go too.
  // (Embedded, there are none: the reaper adopts nothing.)
  for (pid_t pid : adopted_children(reaper_))
    if (pid != guardian_.pid()) ::kill(pid, SIGKILL);
  // And whatever else carries the run's mark: inside a host program nothing
  // comes back to summon, and a service's group may have outlived its leader.
  kill_marked_until_none(run_id_, identity_, 1);
  // The guardian's socket is its own to close (in ~Guardian).
  if (guardian_watch_.is_open()) guardian_watch_.release();
}

int Stack::up() {
  return loop();
}

int Stack::run(const std::vector<std::string>& command) {
  command_ = command;
  return loop();
}

int Stack::loop() {
  if (options_.embedded) busy_.emplace(io_.get_executor());
  wait_for_signal();
  watch_guardian();
  engine_->bring_up();
  io_.run();
  return exit_code_;
}

void Stack::request_stop() {
  // Posting is what io_context allows from any thread; the engine is then
  // touched on the loop's own. A loop that has stopped never runs it.
  boost::asio::post(io_, [this] { engine_->shut_down(); });
}

void Stack::post(std::function<void(engine::Engine&)> task) {
  boost::asio::post(io_, [this, task = std::move(task)] { task(*engine_); });
}

// Without its guardian a run could outlive summon's own death: stop it.
void Stack::watch_guardian() {
  boost::system::error_code error;
  guardian_watch_.assign(guardian_.channel(), error);
  if (error) return;
  guardian_watch_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                             [this](const boost::system::error_code& error) {
                               if (error || done_) return;
                               guardian_lost_ = true;
                               tell_observers([this](StackObserver& observer) {
                                 observer.on_guardian_lost(guardian_.pid());
                               });
                               engine_->shut_down();
                             });
}

void Stack::wait_for_signal() {
  if (!signals_) return;
  signals_->async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) return;
    on_signal(signal);
    if (!done_) wait_for_signal();
  });
}

void Stack::on_signal(int signal) {
  if (++signals_seen_ == 1) {
    first_signal_ = signal;
    tell_observers([signal](StackObserver& observer) { observer.on_stopping(signal); });
    if (command_running()) {
      // The terminal sent Ctrl-C to the command too (it shares summon's
      // process group); other signals are passed on. Services stay up
      // until the command has ended: it may still be using them.
      if (signal != SIGINT) command_process_->signal(signal);
      return;
    }
    engine_->shut_down();
    return;
  }
  // Again: kill everything at once.
  if (command_running()) command_process_->signal(SIGKILL);
  engine_->kill_all();
}

template <class Call>
void Stack::tell_observers(Call call) {
  // By index: an observer may add another (a control client) as it is told.
  for (std::size_t k = 0; k < observers_.size(); ++k) call(*observers_[k]);
}

void Stack::remove_observer(StackObserver& observer) {
  std::erase(observers_, &observer);
}

void Stack::remove_listener(OutputListener& listener) {
  std::erase(listeners_, &listener);
}

void Stack::on_change(const engine::StateChange& change) {
  const auto i = change.service;
  board_->record(change, runner_->pid(i), engine_->restarts(i), std::chrono::system_clock::now());
  recorder_.record(change);
  tell_observers([&](StackObserver& observer) { observer.on_change(change); });
}

void Stack::on_lines(graph::ServiceIndex i, Stream stream,
                     std::span<const std::string_view> lines) {
  board_->record(i, stream, lines, std::chrono::system_clock::now());
  for (std::size_t k = 0; k < listeners_.size(); ++k) listeners_[k]->on_lines(i, stream, lines);
}

void Stack::on_status(graph::ServiceIndex i, std::string_view text) {
  for (std::size_t k = 0; k < listeners_.size(); ++k) listeners_[k]->on_status(i, text);
}

void Stack::on_notice(graph::ServiceIndex i, std::string_view text) {
  for (std::size_t k = 0; k < listeners_.size(); ++k) listeners_[k]->on_notice(i, text);
}

void Stack::on_warning(graph::ServiceIndex i, std::string_view text) {
  for (std::size_t k = 0; k < listeners_.size(); ++k) listeners_[k]->on_warning(i, text);
}

void Stack::flush() {
  for (std::size_t k = 0; k < listeners_.size(); ++k) listeners_[k]->flush();
}

void Stack::on_all_ready(std::size_t services, engine::Duration since_bring_up) {
  tell_observers([&](StackObserver& observer) { observer.on_all_ready(services, since_bring_up); });
  if (!command_.empty()) start_command();
}

void Stack::start_command() {
  SpawnRequest request;
  request.argv = command_;
  request.environment =
      config::run_environment(project_, config::process_environment(), options_.ports);
  mark_environment(request.environment, run_id_);
  request.stdin_fd = STDIN_FILENO;  // and summon's stdout and stderr
  request.own_session = false;
  command_process_.emplace(io_, runner_->process_spawner());
  command_process_->start(
      std::move(request),
      {[this](pid_t pid) {
         tell_observers([pid](StackObserver& observer) { observer.on_command_started(pid); });
       },
       [this](const std::string& error) { command_failed(error); },
       [this](int wait_status) { command_ended(wait_status); }});
}

bool Stack::command_running() const {
  return command_process_ && command_process_->running();
}

void Stack::command_failed(const std::string& error) {
  tell_observers([&](StackObserver& observer) { observer.on_command_failed(error); });
  command_code_ = 127;  // as a shell says "command not found"
  engine_->shut_down();
  finish_if_over();
}

void Stack::command_ended(int wait_status) {
  command_code_ = command_exit_code(wait_status);
  tell_observers([&](StackObserver& observer) { observer.on_command_ended(wait_status); });
  engine_->shut_down();
  finish_if_over();
}

void Stack::on_failure(const engine::Failure& failure) {
  tell_observers([&](StackObserver& observer) { observer.on_failure(failure); });
  if (command_running()) command_process_->stop(command_stop_timeout);
}

void Stack::on_done(int exit_code, engine::Duration since_bring_up) {
  done_ = true;
  if (engine_->failure())
    exit_code_ = exit_code;
  else if (guardian_lost_)
    exit_code_ = 1;
  else if (command_code_)
    exit_code_ = *command_code_;
  else if (!command_.empty() && first_signal_ != 0)
    exit_code_ = 128 + first_signal_;  // interrupted before the command ran
  else
    exit_code_ = exit_code;
  tell_observers([&](StackObserver& observer) { observer.on_done(exit_code_, since_bring_up); });
  finish_if_over();
}

void Stack::finish_if_over() {
  if (!done_ || command_running()) return;
  if (signals_) signals_->cancel();
  busy_.reset();
  io_.stop();
}

}  // namespace summon::runtime

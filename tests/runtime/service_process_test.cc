// ServiceProcess driven by a fake spawn: what it reports, and what it sends
// the processes, at each step of a start, a stop and a restart. No process
// is made; output goes through real pipes on a real loop.
#include "runtime/service_process.hpp"

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "../unit/load_helpers.hpp"
#include "fake_spawner.hpp"
#include "runner_reports.hpp"
#include "runtime/child_reaper.hpp"

using summon::runtime::ProcessState;
using summon::test::FakeSpawner;

namespace {

struct Listener : summon::runtime::OutputListener {
  void on_lines(summon::graph::ServiceIndex, summon::runtime::Stream,
                std::span<const std::string_view> lines) override {
    for (auto line : lines) this->lines.emplace_back(line);
  }
  void on_status(summon::graph::ServiceIndex, std::string_view) override {}
  void on_warning(summon::graph::ServiceIndex, std::string_view text) override {
    warnings.emplace_back(text);
  }

  std::vector<std::string> lines;
  std::vector<std::string> warnings;
};

// One service `web` of `yaml`, on a loop, with a fake spawn.
struct Fixture : summon::runtime::ServiceHost {
  explicit Fixture(const std::string& yaml = "services: {web: {command: ./web}}")
      : project(summon::testing::load_or_fail(yaml)),
        service(*this, 0, project.services.at(0), {{"PATH", "/bin"}}) {}

  boost::asio::io_context& io() override { return loop; }
  summon::engine::RunnerEvents& events() override { return reports; }
  summon::runtime::OutputListener& listener() override { return output; }
  summon::runtime::ProbeContext& probe_context() override { return probes; }
  summon::runtime::Spawner& spawner() override { return fake; }
  const summon::runtime::LogFolder* log_folder() const override { return nullptr; }

  // Runs what is due now: posted reports, pipes that have data.
  void settle() {
    loop.restart();
    loop.poll();
  }
  // Runs the loop until `done()` holds, for at most 5 s; returns done().
  bool run_until(const std::function<bool()>& done) {
    loop.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) loop.run_one_until(deadline);
    return done();
  }
  bool reported(const std::string& report) {
    return run_until([&] { return !reports.seen.empty() && reports.seen.back() == report; });
  }
  // The fake child has ended and left nothing: the reaper would now say so.
  void group_empties() {
    fake.child().left = false;
    service.check_group();
    settle();
  }
  std::vector<std::string> tail_texts() const {
    std::vector<std::string> texts;
    for (const auto& line : service.tail()) texts.push_back(line.text);
    return texts;
  }

  boost::asio::io_context loop;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy =
      boost::asio::make_work_guard(loop);
  summon::runtime::ChildReaper reaper{loop, summon::runtime::Reaping::own_children};
  summon::runtime::ProbeContext probes{loop, reaper, {}};
  FakeSpawner fake;
  summon::test::RunnerReports reports;
  Listener output;
  summon::config::ProjectSpec project;
  summon::runtime::ServiceProcess service;
};

using Seen = std::vector<std::string>;

}  // namespace

TEST_CASE("started is reported once the exec is known, before anything the service prints") {
  Fixture f;
  f.service.start();
  CHECK(f.service.state() == ProcessState::loading);
  f.fake.child().print("hello\n");
  f.settle();
  CHECK(f.reports.seen.empty());
  CHECK(f.output.lines.empty());

  f.fake.child().exec_ok();
  CHECK(f.reports.seen == Seen{"started"});  // at once, not posted
  CHECK(f.service.state() == ProcessState::running);
  REQUIRE(f.run_until([&] { return !f.output.lines.empty(); }));
  CHECK(f.output.lines == Seen{"hello"});
}

TEST_CASE("an exit is reported with its status, after the service's last lines") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_ok();
  f.fake.child().print("bye\n");
  f.fake.child().exit(3);
  CHECK(f.tail_texts() == Seen{"bye"});  // drained at the exit
  f.settle();
  CHECK(f.reports.seen == Seen{"started", "exited with code 3"});
  CHECK(f.service.state() == ProcessState::exited);
}

TEST_CASE("an exec that fails is a start failure; nothing is left to stop or signal") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_failed("./web: No such file or directory");
  f.settle();
  CHECK(f.reports.seen == Seen{"start failed: cannot start: ./web: No such file or directory"});
  CHECK(f.service.state() == ProcessState::idle);

  f.service.stop(SIGTERM);
  f.settle();
  CHECK(f.reports.seen.back() == "stopped");
  CHECK(f.fake.child().signals.empty());
}

TEST_CASE("a spawn that cannot make a child is a start failure with nothing to stop") {
  Fixture f;
  f.fake.refuse = "cwd /srv/x: No such file or directory";
  f.service.start();
  f.settle();
  CHECK(f.reports.seen ==
        Seen{"start failed: cannot start: cwd /srv/x: No such file or directory"});
  CHECK(f.fake.children.empty());
  CHECK_FALSE(f.service.pid());
  f.service.stop(SIGTERM);
  CHECK(f.reported("stopped"));
}

TEST_CASE("a stop signals the group; stopped comes once the main process ended and none is left") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_ok();
  f.service.stop(SIGTERM);
  CHECK(f.fake.child().signals == std::vector<int>{SIGTERM});
  CHECK(f.service.state() == ProcessState::stopping);

  f.fake.child().killed_by(SIGTERM);
  f.settle();
  CHECK(f.reports.seen == Seen{"started", "was killed by signal TERM (stopped)"});
  CHECK(f.service.state() == ProcessState::draining);

  f.service.kill();  // the stop timeout: SIGKILL to what is left
  CHECK(f.fake.child().signals == std::vector<int>{SIGTERM, SIGKILL});
  f.group_empties();
  CHECK(f.reports.seen.back() == "stopped");
  CHECK(f.fake.child().released);
}

TEST_CASE("stopped is reported once, however many stops follow") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_ok();
  f.service.stop(SIGTERM);
  f.fake.child().exit(0);
  f.group_empties();
  const auto reports = f.reports.seen;
  f.service.kill();
  f.service.stop(SIGTERM);
  f.settle();
  CHECK(f.reports.seen == reports);
  CHECK(f.fake.child().signals == std::vector<int>{SIGTERM});
}

TEST_CASE("an exit of its own is not by a stop signal, whatever signal killed it") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_ok();
  f.fake.child().killed_by(SIGTERM);
  f.settle();
  CHECK(f.reports.seen.back() == "was killed by signal TERM");

  // What it started may live on: a stop reaches that, then it is stopped.
  f.service.stop(SIGTERM);
  CHECK(f.fake.child().signals == std::vector<int>{SIGTERM});
  CHECK(f.service.state() == ProcessState::draining);
  f.group_empties();
  CHECK(f.reports.seen.back() == "stopped");
}

TEST_CASE("a stop while the exec is not known yet waits for it, then stops as usual") {
  Fixture f;
  f.service.start();
  f.service.stop(SIGTERM);
  CHECK(f.service.state() == ProcessState::cancelling);
  CHECK(f.fake.child().signals == std::vector<int>{SIGTERM});

  f.fake.child().exec_ok();
  CHECK(f.service.state() == ProcessState::stopping);
  f.fake.child().killed_by(SIGTERM);
  f.group_empties();
  CHECK(f.reports.seen == Seen{"started", "was killed by signal TERM (stopped)", "stopped"});
}

TEST_CASE("a stop while loading, then an exec failure: the start failed and is stopped") {
  Fixture f;
  f.service.start();
  f.service.stop(SIGTERM);
  f.fake.child().exec_failed("./web: Permission denied");
  f.settle();
  CHECK(f.reports.seen == Seen{"start failed: cannot start: ./web: Permission denied", "stopped"});
  CHECK(f.service.state() == ProcessState::stopped);
}

TEST_CASE("start does nothing while a start's processes may run") {
  Fixture f;
  f.service.start();
  f.fake.child().exec_ok();
  f.service.start();
  f.fake.child().exit(1);
  f.service.start();  // exited, not stopped: what it started may live on
  CHECK(f.fake.children.size() == 1);
}

TEST_CASE("a restart spawns anew: a new pid, its own exit status, the tail goes on") {
  Fixture f;
  f.service.start();
  auto& first = f.fake.child();
  first.exec_ok();
  first.print("first run\n");
  f.service.stop(SIGTERM);
  first.killed_by(SIGTERM);
  f.group_empties();
  const pid_t first_pid = *f.service.pid();

  f.service.start();
  REQUIRE(f.fake.children.size() == 2);
  CHECK(first.forgotten);  // the start before is let go of, whole
  auto& second = f.fake.child();
  CHECK(f.service.state() == ProcessState::loading);
  CHECK(f.service.pid() == second.pid);
  CHECK(second.pid != first_pid);

  second.exec_ok();
  second.print("second run\n");
  // Killed by SIGTERM, not by summon's: the first start's stop does not count.
  second.killed_by(SIGTERM);
  f.settle();
  CHECK(f.reports.seen == Seen{"started", "was killed by signal TERM (stopped)", "stopped",
                               "started", "was killed by signal TERM"});
  CHECK(f.tail_texts() == Seen{"first run", "second run"});
}

TEST_CASE("after a restart, a stop reaches only the new start's processes") {
  Fixture f;
  f.service.start();
  auto& first = f.fake.child();
  first.exec_ok();
  first.exit(1);
  f.service.stop(SIGTERM);
  f.group_empties();
  f.service.start();
  f.fake.child().exec_ok();
  f.service.stop(SIGINT);
  CHECK(first.signals == std::vector<int>{SIGTERM});
  CHECK(f.fake.child().signals == std::vector<int>{SIGINT});
}

TEST_CASE("each start has its own probe: ready again only once the new start's output says so") {
  Fixture f("services: {web: {command: ./web, ready: {log: listening}}}");
  f.service.start();
  f.fake.child().exec_ok();
  f.fake.child().print("listening\n");
  REQUIRE(f.reported("ready"));
  f.fake.child().exit(1);
  f.service.stop(SIGTERM);
  f.group_empties();

  f.service.start();
  // A new probe, which has seen nothing of this start's yet.
  CHECK(f.service.last_probe_result().find("it wrote nothing") != std::string::npos);
  f.fake.child().exec_ok();
  f.fake.child().print("warming up\n");
  REQUIRE(f.run_until([&] { return f.output.lines.size() == 2; }));
  f.settle();
  CHECK(f.reports.seen.back() == "started");
  f.fake.child().print("listening\n");
  CHECK(f.reported("ready"));
}

TEST_CASE("a probe's success after a stop began does not count") {
  Fixture f("services: {web: {command: ./web, ready: {log: listening}}}");
  f.service.start();
  f.fake.child().exec_ok();
  f.service.stop(SIGTERM);
  f.fake.child().print("listening\n");
  f.fake.child().killed_by(SIGTERM);
  f.group_empties();
  CHECK(f.reports.seen == Seen{"started", "was killed by signal TERM (stopped)", "stopped"});
}

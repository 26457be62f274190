// ProcessRunner with real processes on the real loop: a service that ended
// and was stopped is started again, as the engine's restart policy does.
#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../unit/load_helpers.hpp"
#include "config/environment.hpp"
#include "loop_helpers.hpp"
#include "runner_reports.hpp"
#include "runtime/log_file.hpp"
#include "runtime/process_runner.hpp"
#include "runtime/run_mark.hpp"

using namespace summon::runtime;
using summon::testing::load_or_fail;
using summon::testing::read_text;

namespace {

struct Warnings : OutputListener {
  void on_lines(summon::graph::ServiceIndex, Stream, std::span<const std::string_view>) override {}
  void on_status(summon::graph::ServiceIndex, std::string_view) override {}
  void on_warning(summon::graph::ServiceIndex, std::string_view text) override {
    seen.emplace_back(text);
  }
  std::vector<std::string> seen;
};

// A runner for `project` on `loop`, logging to `log_dir`; with a cgroup per
// service where the machine allows (and SUMMON_NO_CGROUP does not forbid).
struct Runner {
  Runner(summon::test::TestLoop& loop, const summon::config::ProjectSpec& project,
         const std::string& log_dir)
      : runner(loop.io, loop.reaper, project, settings(log_dir), warnings) {
    runner.attach(reports);
  }

  RunnerSettings settings(const std::string& log_dir) {
    RunnerSettings settings;
    settings.cgroups = &cgroups;
    settings.base_environment = summon::config::process_environment();
    settings.run_id = new_run_id();
    settings.identity = RunIdentity::now({});
    std::string refused;
    settings.log_folder = LogFolder::open(log_dir, refused);
    REQUIRE_MESSAGE(settings.log_folder, refused);
    return settings;
  }

  CgroupTree cgroups;
  summon::test::RunnerReports reports;
  Warnings warnings;
  ProcessRunner runner;
};

std::vector<std::string> texts(const std::deque<OutputLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text);
  return out;
}

}  // namespace

TEST_CASE("a service started again after it stopped runs anew; its tail and log file go on") {
  summon::test::TestLoop loop;
  // Each run says its pid, and ends without a newline.
  const auto project = load_or_fail(R"(
services:
  job:
    command: [sh, -c, "echo run $$$$; printf 'last of %s' $$$$"]
)");
  const std::string log_dir = loop.dir / "logs";
  std::filesystem::create_directory(log_dir);
  std::ofstream(log_dir + "/job.log") << "from an earlier summon\n";
  Runner r(loop, project, log_dir);

  std::vector<pid_t> pids;
  for (long run = 1; run <= 2; ++run) {
    r.runner.start(0);
    REQUIRE(r.runner.pid(0));
    pids.push_back(*r.runner.pid(0));
    REQUIRE(loop.run_until([&] { return r.reports.count("exited with code 0") == run; }));
    // As the engine does before a restart: whatever the run left goes.
    r.runner.stop(0, SIGTERM);
    REQUIRE(loop.run_until([&] { return r.reports.count("stopped") == run; }));
  }
  CHECK(r.reports.seen == std::vector<std::string>{"started", "exited with code 0", "stopped",
                                                   "started", "exited with code 0", "stopped"});
  CHECK(pids[0] != pids[1]);
  CHECK(texts(r.runner.tail(0)) == std::vector<std::string>{fmt::format("run {}", pids[0]),
                                                            fmt::format("last of {}", pids[0]),
                                                            fmt::format("run {}", pids[1]),
                                                            fmt::format("last of {}", pids[1])});

  // The file is appended to, never truncated: the earlier bytes, the first
  // run's, one marker on a line of its own, the second run's.
  const std::string log = read_text(log_dir + "/job.log");
  const std::string before = fmt::format("from an earlier summon\nrun {0}\nlast of {0}", pids[0]);
  const std::string after = fmt::format("run {0}\nlast of {0}", pids[1]);
  REQUIRE(log.size() > before.size() + after.size());
  CHECK(log.substr(0, before.size()) == before);
  CHECK(log.substr(log.size() - after.size()) == after);
  const std::string between = log.substr(before.size(), log.size() - before.size() - after.size());
  CHECK_MESSAGE(std::regex_match(between, std::regex("\n--- summon: restart 1 at "
                                                     "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"
                                                     " ---\n")),
                between);
  CHECK(r.warnings.seen.empty());
}

TEST_CASE("a restart that cannot exec is a start failure, and the next start runs") {
  summon::test::TestLoop loop;
  const std::string flag = loop.dir / "installed";
  // Fails to exec until its program exists, as a service whose binary is being rebuilt.
  const auto project = load_or_fail(fmt::format(R"(
services:
  job:
    command: ["{}"]
)",
                                                flag));
  Runner r(loop, project, loop.dir.path);
  r.runner.start(0);
  REQUIRE(loop.run_until([&] { return !r.reports.seen.empty(); }));
  CHECK(r.reports.seen.back().starts_with("start failed: cannot start: "));
  r.runner.stop(0, SIGTERM);
  REQUIRE(loop.run_until([&] { return r.reports.seen.back() == "stopped"; }));

  std::ofstream(flag) << "#!/bin/sh\necho installed\n";
  std::filesystem::permissions(flag, std::filesystem::perms::owner_all);
  r.runner.start(0);
  REQUIRE(loop.run_until([&] { return r.reports.count("exited with code 0") == 1; }));
  CHECK(texts(r.runner.tail(0)) == std::vector<std::string>{"installed"});
  // Nothing had been started before it: no restart marker.
  CHECK(read_text(loop.dir / "job.log") == "installed\n");
}

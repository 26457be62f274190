// The harness itself: whole output from both streams, and a hard deadline.
#include <csignal>
#include <string>

#include <doctest/doctest.h>

#include "run_summon.hpp"

namespace summon::testing {

TEST_CASE("the harness captures large output on both streams without blocking") {
  auto run = run_program("/bin/sh", {"-c",
                                     "head -c 20000000 /dev/zero >&2 & "
                                     "head -c 30000000 /dev/zero; wait; exit 3"});
  CHECK(run.exit_code == 3);
  CHECK(run.out.size() == 30'000'000);
  CHECK(run.err.size() == 20'000'000);
  CHECK(run.peak_rss_kib > 0);
}

TEST_CASE("the harness kills a child that outlives its timeout") {
  RunOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto run = run_program("/bin/sh", {"-c", "echo started; exec tail -f /dev/null"}, options);
  CHECK(run.timed_out);
  CHECK(run.signal == SIGKILL);
  CHECK(run.out == "started\n");
}

TEST_CASE("the harness runs in the folder and environment it is given") {
  auto run = run_program("/bin/sh", {"-c", "pwd; echo \"$GREETING${SUMMON_FILE-unset}\""},
                         in_folder("/", {{"GREETING", "hello "}}));
  CHECK(run.exit_code == 0);
  CHECK(run.out == "/\nhello unset\n");
}

}  // namespace summon::testing

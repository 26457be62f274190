// The harness's background mode: lines as they come, signals, deadlines.
#include <signal.h>

#include <string>

#include <doctest/doctest.h>

#include "run_summon.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

}  // namespace

TEST_CASE("background: waits for a line, signals the program, then collects all output") {
  // The trap is set and the sleep started before "two": a TERM after it is always
  // trapped, and `wait` returns on it.
  Background shell("/bin/sh", {"-c",
                               "trap 'echo got TERM; kill $!; exit 5' TERM; sleep 30 & "
                               "echo one; echo two >&2; wait"});
  auto two = shell.wait_for_line("two");
  REQUIRE(two);
  CHECK(two->stream == Stream::err);
  CHECK(shell.find_line("one"));
  shell.send(SIGTERM);
  const auto& run = shell.finish();
  CHECK(run.exit_code == 5);
  CHECK(run.out == "one\ngot TERM\n");
  CHECK(run.err == "two\n");
  CHECK(shell.lines().size() == 3);
}

TEST_CASE("background: a line that never comes gives nullopt at the deadline") {
  Background quiet("/bin/sh", {"-c", "echo nothing to see; exec tail -f /dev/null"});
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(quiet.wait_for_line("ready", 200ms));
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  const auto& run = quiet.finish(100ms);
  CHECK(run.timed_out);
  CHECK(run.signal == SIGKILL);
}

TEST_CASE("background: output ending without a newline is a last line") {
  Background partial("/bin/sh", {"-c", "printf 'no newline'"});
  CHECK(partial.wait_for_line("no newline"));
  CHECK(partial.finish().out == "no newline");
}

TEST_CASE("background: a descendant holding stdout after the exit is reported, not waited for") {
  Background leaky("/bin/sh", {"-c", "sleep 30 & echo $!"});
  const auto& run = leaky.finish();
  CHECK(run.exit_code == 0);
  CHECK(run.output_left_open);
  CHECK(run.elapsed.count() < 10);
  ::kill(std::stoi(run.out), SIGKILL);
}

}  // namespace summon::testing

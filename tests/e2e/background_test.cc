// The harness's background mode: lines as they come, signals, deadlines.
#include <signal.h>

#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
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
  CHECK_FALSE(quiet.wait_for_line("ready", 200ms));
  // The deadline ended the wait, not the output: the program still runs, and
  // what it did print was read.
  CHECK(alive(quiet.pid()));
  CHECK(quiet.find_line("nothing to see"));
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
  Background leaky("/bin/sh", {"-c", "sleep 1000 & echo $!"});
  const auto& run = leaky.finish();
  const pid_t descendant = std::stoi(run.out);
  CHECK(run.exit_code == 0);
  CHECK_FALSE(run.timed_out);
  CHECK(run.output_left_open);
  // finish() came back while the descendant still held the output.
  CHECK(alive(descendant));
  ::kill(descendant, SIGKILL);
}

}  // namespace summon::testing

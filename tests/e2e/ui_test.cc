// The dashboard (SPEC 2.3) in a real terminal: tmux runs `summon ui` and
// `summon up --ui`, the test types keys and reads the screen as a person
// would, and checks what happened to the processes from outside.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"
#include "tmux.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string fixture() {
  return runtime_fixture("dashboard.yaml");
}

// What a terminal in the sandbox needs: where the project's state lives,
// and the fixture's variables. NO_COLOR is the test's to set.
EnvChanges terminal_env(const Sandbox& sandbox, EnvChanges more = {}) {
  EnvChanges env{{"RECORD", sandbox.record_path()},
                 {"TEST_DIR", sandbox.dir().string()},
                 {"XDG_RUNTIME_DIR", sandbox.dir().string()},
                 {"SUMMON_TEST_SERVICE", test_service_bin()},
                 {"NO_COLOR", std::nullopt}};
  env.insert(env.end(), more.begin(), more.end());
  return env;
}

// The screen row that starts with `name` in the service table.
std::string row_of(const std::string& screen, const std::string& name) {
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return line;
  return {};
}

// The words of a table row: NAME STATE PID ...
std::vector<std::string> words(const std::string& row) {
  std::istringstream in(row);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

bool shows_state(const std::string& screen, const std::string& name, const std::string& state) {
  auto row = words(row_of(screen, name));
  return row.size() >= 2 && row[1] == state;
}

std::string pid_shown(const std::string& screen, const std::string& name) {
  auto row = words(row_of(screen, name));
  return row.size() >= 3 ? row[2] : "";
}

// A test that fails half way still leaves no supervisor behind: `summon
// down` of the fixture at the end of the scope, whatever it finds.
struct DownAtEnd {
  const Sandbox& sandbox;
  std::string file;
  ~DownAtEnd() { run_summon({"down", file}, sandbox.options()); }
};

void make_go(const Sandbox& sandbox) {
  std::ofstream(sandbox.path("go")) << "go\n";
}

}  // namespace

// `summon ARGS...; echo EXITED $?` in the terminal, then `cat`: the test
// sees how summon ended, and the terminal stays as summon left it. Ctrl-C
// is summon's alone (the shell only notes it).
std::vector<std::string> then_exit_code(const std::vector<std::string>& args) {
  std::string line = "trap true INT; \"$0\"";
  for (std::size_t i = 0; i < args.size(); ++i) line += " \"$" + std::to_string(i + 1) + "\"";
  std::vector<std::string> command{"sh", "-c", line + "; echo EXITED $?; exec cat", summon_bin()};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

// The pane's shell's child: summon.
pid_t summon_in(const TmuxTerminal& terminal) {
  const pid_t shell = terminal.pane_pid();
  std::ifstream children("/proc/" + std::to_string(shell) + "/task/" + std::to_string(shell) +
                         "/children");
  pid_t child = -1;
  children >> child;
  return child;
}

// `summon up -d` of the fixture, api made ready once it has started.
void up_detached(const Sandbox& sandbox) {
  Background up(summon_bin(), {"up", "-d", fixture()},
                sandbox.options({{"SUMMON_TEST_SERVICE", test_service_bin()}}));
  REQUIRE(sandbox.wait_for_record("api", "start", 20s));
  make_go(sandbox);
  const auto& done = up.finish();
  INFO(describe(done));
  REQUIRE(done.exit_code == 0);
}

bool skip_without_tmux() {
  if (tmux_available()) return false;
  MESSAGE("tmux is not installed (scripts/setup installs it): skipped");
  return true;
}

// The supervisor's pid, from `summon ls --json`.
pid_t supervisor_of(const Sandbox& sandbox) {
  auto ls = run_summon({"ls", "--json"}, sandbox.options());
  REQUIRE(ls.exit_code == 0);
  auto at = ls.out.find("\"pid\":");
  REQUIRE(at != std::string::npos);
  return static_cast<pid_t>(std::stol(ls.out.substr(at + 6)));
}

TEST_CASE(
    "up --ui shows the services come up; q tears the project down and gives the terminal back") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  TmuxTerminal terminal(sandbox.dir(), then_exit_code({"up", "--ui", fixture()}),
                        terminal_env(sandbox), sandbox.dir().string());
  // api is held back until the test says go: its state is seen to change.
  REQUIRE(terminal.wait_for(
      [](const std::string& screen) {
        return shows_state(screen, "db", "ready") && shows_state(screen, "api", "started");
      },
      20s));
  CHECK(contains(terminal.screen(), "dash  1/2 ready"));
  CHECK(terminal.format("#{alternate_on}") == "1");
  make_go(sandbox);
  REQUIRE(terminal.wait_for(
      [](const std::string& screen) { return shows_state(screen, "api", "ready"); }, 20s));
  const std::string screen = terminal.screen();
  INFO(screen);
  CHECK(contains(screen, "dash  2/2 ready"));
  auto record = sandbox.record();
  REQUIRE(starts(record, "api").size() == 1);
  CHECK(pid_shown(screen, "api") == std::to_string(starts(record, "api").at(0)));
  CHECK(pid_shown(screen, "db") == std::to_string(starts(record, "db").at(0)));
  CHECK(contains(screen, "api | api says hello"));  // the output of all, each line named

  terminal.keys({"q"});
  REQUIRE(terminal.wait_for_text("EXITED 0"));
  CHECK(terminal.format("#{alternate_on}") == "0");
  CHECK(terminal.format("#{cursor_flag}") == "1");
  record = sandbox.record();
  CHECK(all_gone(record));
  CHECK(record.has("api", "term"));
  CHECK(run_summon({"ps", fixture()}, sandbox.options()).exit_code == 3);
}

TEST_CASE("up --ui: the dashboard's process killed takes the project down; d leaves it up") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  SUBCASE("SIGKILL") {
    TmuxTerminal terminal(sandbox.dir(), then_exit_code({"up", "--ui", fixture()}),
                          terminal_env(sandbox), sandbox.dir().string());
    REQUIRE(terminal.wait_for(
        [](const std::string& screen) { return shows_state(screen, "db", "ready"); }, 20s));
    ::kill(summon_in(terminal), SIGKILL);
    REQUIRE(terminal.wait_for_text("EXITED 137"));
    for (const char* service : {"db", "api"})
      for (pid_t pid : starts(sandbox.record(), service)) CHECK(wait_gone(pid, 20s));
    CHECK(all_gone(sandbox.record()));
  }
  SUBCASE("d") {
    TmuxTerminal terminal(sandbox.dir(), then_exit_code({"up", "--ui", fixture()}),
                          terminal_env(sandbox), sandbox.dir().string());
    REQUIRE(terminal.wait_for(
        [](const std::string& screen) { return shows_state(screen, "api", "started"); }, 20s));
    make_go(sandbox);
    REQUIRE(terminal.wait_for_text("dash  2/2 ready"));
    terminal.keys({"d"});
    REQUIRE(terminal.wait_for_text("EXITED 0"));
    CHECK(contains(terminal.screen(), "dash runs in the background"));
    CHECK(run_summon({"ps", fixture()}, sandbox.options()).exit_code == 0);
    CHECK(run_summon({"down", fixture()}, sandbox.options()).exit_code == 0);
    CHECK(all_gone(sandbox.record()));
  }
}

TEST_CASE(
    "summon ui drives a detached project: a restart from a key, a search, Ctrl-C leaves it up") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  up_detached(sandbox);
  TmuxTerminal terminal(sandbox.dir(), then_exit_code({"ui", fixture()}), terminal_env(sandbox),
                        "/");
  REQUIRE(terminal.wait_for_text("dash  2/2 ready"));
  const std::string first = std::to_string(starts(sandbox.record(), "db").at(0));
  CHECK(pid_shown(terminal.screen(), "db") == first);
  CHECK(pid_shown(terminal.screen(), "api") ==
        std::to_string(starts(sandbox.record(), "api").at(0)));

  // Down to api and back up to db, restart it: its row shows the new process.
  terminal.keys({"j", "k", "r"});
  REQUIRE(terminal.wait_for(
      [&](const std::string& screen) {
        const auto pid = pid_shown(screen, "db");
        return shows_state(screen, "db", "ready") && pid != first && pid != "-";
      },
      20s));
  auto db_starts = starts(sandbox.record(), "db");
  REQUIRE(db_starts.size() == 2);
  CHECK(pid_shown(terminal.screen(), "db") == std::to_string(db_starts[1]));
  CHECK(terminal.wait_for_text("db restarted"));
  CHECK(words(row_of(terminal.screen(), "db")).at(4) == "1");  // one restart
  CHECK(starts(sandbox.record(), "api").size() == 1);

  // Search the output of all, once the new db has spoken: the lines are
  // found and marked.
  terminal.keys({"a"});
  REQUIRE(terminal.wait_for(
      [](const std::string& screen) {
        const auto first = screen.find("db checkpoint alpha");
        return first != std::string::npos &&
               screen.find("db checkpoint alpha", first + 1) != std::string::npos;
      },
      20s));
  terminal.keys({"/", "checkpoint", "Enter"});
  REQUIRE(terminal.wait_for_text("search 'checkpoint'"));
  const std::string screen = terminal.screen();
  INFO(screen);
  CHECK(contains(screen, "db  | db checkpoint alpha"));
  // The README's picture of the dashboard is this screen.
  if (const char* shot = std::getenv("SUMMON_UI_SCREENSHOT")) std::ofstream(shot) << screen;
  // db said it twice (it was restarted): the newest is the match the search
  // is on (green), the other a match (yellow).
  std::vector<std::string> marked;
  std::istringstream lines(terminal.screen(true));
  for (std::string line; std::getline(lines, line);)
    if (contains(std::regex_replace(line, std::regex("\x1b\\[[0-9;]*m"), ""), "checkpoint alpha"))
      marked.push_back(line);
  REQUIRE(marked.size() == 2);
  CHECK(std::regex_search(marked[0], std::regex("\x1b\\[43m(\x1b\\[[0-9;]*m)*checkpoint")));
  CHECK(std::regex_search(marked[1], std::regex("\x1b\\[42m(\x1b\\[[0-9;]*m)*checkpoint")));

  // Help lists the keys; any key closes it.
  terminal.keys({"?"});
  REQUIRE(terminal.wait_for_text("any key closes this help"));
  terminal.keys({"Escape"});
  REQUIRE(terminal.wait_for_text("-- output:"));

  terminal.keys({"C-c"});
  REQUIRE(terminal.wait_for_text("EXITED 0"));
  CHECK(terminal.format("#{alternate_on}") == "0");
  CHECK(run_summon({"ps", fixture()}, sandbox.options()).exit_code == 0);  // still up
  CHECK(run_summon({"down", fixture()}, sandbox.options()).exit_code == 0);
  CHECK(all_gone(sandbox.record()));
}

TEST_CASE(
    "the terminal comes back on SIGTERM, a crash, and the project's death; NO_COLOR; resizes") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  up_detached(sandbox);
  const auto ui = then_exit_code({"ui", fixture()});

  SUBCASE("NO_COLOR, a resize, then SIGTERM") {
    TmuxTerminal terminal(sandbox.dir(), ui, terminal_env(sandbox, {{"NO_COLOR", "1"}}), "/");
    REQUIRE(terminal.wait_for_text("dash  2/2 ready"));
    const std::regex colour("\x1b\\[([0-9;]*;)?([34][0-7])(;[0-9;]*)?m");
    CHECK_FALSE(std::regex_search(terminal.screen(true), colour));
    terminal.resize(120, 40);
    REQUIRE(terminal.wait_for(
        [](const std::string& screen) {
          std::istringstream lines(screen);
          std::vector<std::string> rows;
          for (std::string line; std::getline(lines, line);) rows.push_back(line);
          return rows.size() == 40 && contains(rows.back(), "r restart") &&
                 rows.front().find("q quit") > 100;
        },
        20s));
    ::kill(summon_in(terminal), SIGTERM);
    REQUIRE(terminal.wait_for_text("EXITED 0"));
    CHECK(terminal.format("#{alternate_on}") == "0");
    CHECK(terminal.format("#{cursor_flag}") == "1");
  }
  SUBCASE("a crash of the dashboard") {
    TmuxTerminal terminal(sandbox.dir(), ui, terminal_env(sandbox), "/");
    REQUIRE(terminal.wait_for_text("dash  2/2 ready"));
    ::kill(summon_in(terminal), SIGSEGV);
    REQUIRE(terminal.wait_for_text("EXITED 139"));
    CHECK(terminal.format("#{alternate_on}") == "0");
    CHECK(terminal.format("#{cursor_flag}") == "1");
  }
  SUBCASE("the project killed under it") {
    TmuxTerminal terminal(sandbox.dir(), ui, terminal_env(sandbox), "/");
    REQUIRE(terminal.wait_for_text("dash  2/2 ready"));
    ::kill(supervisor_of(sandbox), SIGKILL);
    REQUIRE(terminal.wait_for_text("EXITED 0"));
    CHECK(contains(terminal.screen(), "summon: dash is no longer up"));
    CHECK(terminal.format("#{alternate_on}") == "0");
    for (pid_t pid : starts(sandbox.record(), "db")) CHECK(wait_gone(pid, 10s));
    for (pid_t pid : starts(sandbox.record(), "api")) CHECK(wait_gone(pid, 10s));
  }
  run_summon({"down", fixture()}, sandbox.options());
  CHECK(all_gone(sandbox.record()));
}

TEST_CASE("summon ui: no project is exit 3; no terminal is exit 2") {
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  auto none = run_summon({"ui", fixture()}, sandbox.options());
  CHECK(none.exit_code == 2);  // stdin and stdout are not a terminal here
  CHECK(contains(none.err, "needs a terminal"));
  if (skip_without_tmux()) return;
  TmuxTerminal terminal(sandbox.dir(), then_exit_code({"ui", fixture()}), terminal_env(sandbox),
                        "/");
  REQUIRE(terminal.wait_for_text("EXITED 3"));
  CHECK(contains(terminal.screen(), "is not up"));

  // up --ui without a terminal starts nothing.
  auto blind = run_summon({"up", "--ui", fixture()}, sandbox.options());
  CHECK(blind.exit_code == 2);
  CHECK(contains(blind.err, "--ui needs a terminal"));
  CHECK(starts(sandbox.record(), "db").empty());
}

TEST_CASE("up --ui whose bring-up fails says why once the terminal is back, exit 1") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  DownAtEnd fail_down_at_end{sandbox, runtime_fixture("dashboard_fail.yaml")};
  TmuxTerminal terminal(sandbox.dir(),
                        then_exit_code({"up", "--ui", runtime_fixture("dashboard_fail.yaml")}),
                        terminal_env(sandbox), sandbox.dir().string());
  REQUIRE(terminal.wait_for_text("EXITED"));
  const std::string screen = terminal.screen();
  INFO(screen);
  CHECK(contains(screen, "summon: dashfail is no longer up"));
  CHECK(contains(screen, "broken: exited with code 3 before it was ready"));
  CHECK(contains(screen, "web skipped"));
  CHECK(contains(screen, "EXITED 1"));
  CHECK(terminal.format("#{alternate_on}") == "0");
  CHECK(all_gone(sandbox.record()));
}

TEST_CASE("a terminal curses does not know: an error, and up --ui takes its project down") {
  if (skip_without_tmux()) return;
  Sandbox sandbox;
  DownAtEnd down_at_end{sandbox, fixture()};
  TmuxTerminal terminal(sandbox.dir(), then_exit_code({"up", "--ui", fixture()}),
                        terminal_env(sandbox, {{"TERM", "no-such-terminal"}}), "/");
  REQUIRE(terminal.wait_for_text("EXITED"));
  const std::string screen = terminal.screen();
  INFO(screen);
  CHECK(contains(screen, "cannot use the terminal (TERM=no-such-terminal)"));
  CHECK(contains(screen, "dash is down"));
  CHECK(contains(screen, "EXITED 2"));
  CHECK(all_gone(sandbox.record()));
  CHECK(run_summon({"ps", fixture()}, sandbox.options()).exit_code == 3);
}

}  // namespace summon::testing

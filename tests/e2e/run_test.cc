// `summon run -- CMD` (SPEC 2): services up, CMD run with their ports, everything
// torn down, CMD's exit code returned; and the output options of `up` and `run`.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The port a service printed as "NAME | port N", or "" when it printed none.
std::string printed_port(const std::string& out) {
  std::smatch match;
  if (std::regex_search(out, match, std::regex(R"(\| port (\d+))"))) return match[1];
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("run gives the command the ports and the top-level env, and exits with its code 0") {
  Sandbox sandbox;
  auto run = sandbox.run("run.yaml",
                         {"--", "sh", "-c", "echo \"port=$SUMMON_PORT_WEB greeting=$GREETING\""});
  INFO(describe(run));
  auto port = printed_port(run.out);
  REQUIRE(port != "");
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "port=" + port + " greeting=hello\n"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a service and the run command get the project's folder, absolute") {
  Sandbox sandbox;
  // Named by a relative path, with a relative cwd.
  std::filesystem::create_directories(sandbox.dir() / "proj" / "data");
  std::ofstream(sandbox.path("proj/services.yaml")) << R"y(
services:
  show:
    command: >-
      echo "project=${project.dir} cwd=${service.cwd} env=$SUMMON_PROJECT_DIR";
      exec sleep 30
    cwd: ./data
    ready: {log: "^project="}
)y";
  auto run = run_program(
      summon_bin(),
      {"run", "proj/services.yaml", "--", "sh", "-c", "echo \"run-env=$SUMMON_PROJECT_DIR\""},
      sandbox.options());
  INFO(describe(run));
  std::string project = sandbox.path("proj");
  CHECK(run.exit_code == 0);
  std::string shown = "project=" + project + " cwd=" + project + "/data env=" + project + "\n";
  CHECK(contains(run.out, shown));
  CHECK(contains(run.out, "run-env=" + project + "\n"));
}

TEST_CASE("run starts the command once the services are ready and stops them after it") {
  Sandbox sandbox;
  auto run = sandbox.run("run.yaml", {"--", test_service_bin(), "--name", "cmd", "--record",
                                      sandbox.record_path(), "--exit-after", "0"});
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  CHECK(record.before("web", "ready", "cmd", "start"));
  CHECK(record.before("cmd", "exit", "web", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("run exits with the command's exit code, 128+N when it died of signal N") {
  Sandbox sandbox;
  auto three = sandbox.run("run.yaml", {"--", "sh", "-c", "exit 3"});
  INFO(describe(three));
  CHECK(three.exit_code == 3);
  auto killed = sandbox.run("run.yaml", {"--", "sh", "-c", "kill -TERM $$"});
  INFO(describe(killed));
  CHECK(killed.exit_code == 143);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("run says how its command ended, --quiet or not, before the teardown") {
  Sandbox sandbox;
  auto failed = sandbox.run("run.yaml", {"--quiet", "--", "sh", "-c", "exit 1"});
  INFO(describe(failed));
  CHECK(failed.exit_code == 1);
  const auto said = failed.out.find("[summon] command exited with code 1\n");
  REQUIRE(said != std::string::npos);
  CHECK(failed.out.find("[summon] stopped", said) != std::string::npos);
  auto killed = sandbox.run("run.yaml", {"--", "sh", "-c", "kill -TERM $$"});
  INFO(describe(killed));
  CHECK(contains(killed.out, "[summon] command was killed by signal SIGTERM\n"));
}

TEST_CASE("run: a service that dies while the command runs stops the command; exit 1") {
  Sandbox sandbox;
  auto run = sandbox.run("run_dies.yaml", {"--", test_service_bin(), "--name", "cmd", "--record",
                                           sandbox.record_path()});
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "web"));
  CHECK(contains(run.err, "exited with code 4"));
  CHECK(record.before("web", "exit", "cmd", "term"));
  REQUIRE(record.has("cmd", "term"));
  CHECK(record.find("cmd", "term")->args == std::vector<std::string>{"TERM"});
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("run does not start the command when a service fails") {
  Sandbox sandbox;
  auto run = sandbox.run("not_ready.yaml", {"--", test_service_bin(), "--name", "cmd", "--record",
                                            sandbox.record_path(), "--exit-after", "0"});
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: web: not ready after 300ms"));
  CHECK_FALSE(sandbox.record().has("cmd", "start"));
}

TEST_CASE("run --timeout overrides every probe's timeout") {
  Sandbox sandbox;
  auto run = sandbox.run("never_ready.yaml", {"--timeout", "300ms", "--", "true"});
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: web: not ready after 300ms"));
}

TEST_CASE("--quiet hides service output and keeps summon's own lines") {
  Sandbox sandbox;
  auto loud = sandbox.run("run.yaml", {"--", "true"});
  INFO(describe(loud));
  CHECK(contains(loud.out, "web | port "));
  auto quiet = sandbox.run("run.yaml", {"--quiet", "--", "true"});
  INFO(describe(quiet));
  CHECK(quiet.exit_code == 0);
  CHECK_FALSE(contains(quiet.out, "web | "));
  CHECK(contains(quiet.out, "[summon] web ready in "));
}

TEST_CASE("--log-dir writes each service's whole output to DIR/NAME.log") {
  Sandbox sandbox;
  std::filesystem::create_directory(sandbox.path("logs"));
  auto run = sandbox.run("run.yaml", {"--log-dir", sandbox.path("logs"), "--", "true"});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  auto port = printed_port(run.out);
  REQUIRE(port != "");
  CHECK(contains(read_file(sandbox.path("logs/web.log")), "port " + port + "\n"));
}

TEST_CASE("a line over 64 KiB is shown split, and output without a final newline is shown") {
  Sandbox sandbox;
  auto run = sandbox.run("output.yaml", {"--", "true"});
  INFO(run.summary() << "\nstderr:\n" << run.err);
  CHECK(run.exit_code == 0);
  std::size_t pieces = 0;
  std::size_t total = 0;
  std::size_t longest = 0;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("long    | x")) continue;
    auto text = line.substr(std::string("long    | ").size());
    CHECK(text.find_first_not_of('x') == std::string::npos);
    ++pieces;
    total += text.size();
    longest = std::max(longest, text.size());
  }
  CHECK(pieces >= 2);
  CHECK(total == 100000);
  CHECK(longest <= 65536);
  CHECK(contains(run.out, "partial | partial line"));
}

TEST_CASE("a service's `yes | head -1` ends quietly: no inherited ignored SIGPIPE") {
  Sandbox sandbox;
  auto run = sandbox.run("sigpipe.yaml", {"--", "true"});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "pipe | y\n"));
  CHECK(contains(run.out, "pipe | pipeline done\n"));
  CHECK_FALSE(contains(run.out, "Broken pipe"));
}

}  // namespace summon::testing

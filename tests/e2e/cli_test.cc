// The commands as a user runs them: the real binary on the files in tests/fixtures/.
#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

namespace {

namespace fs = std::filesystem;

// Runs summon from tests/fixtures/, so that files are named as a user would name them.
RunResult summon(const std::vector<std::string>& args) {
  return run_summon(args, in_folder(tests_dir("fixtures")));
}

// DB_PASSWORD, a secret-looking variable of summon's own environment, goes
// into the command through ${DB_PASSWORD}.
RunResult summon_with_password(const std::vector<std::string>& args) {
  return run_summon(args, in_folder(tests_dir("fixtures"), {{"DB_PASSWORD", "hunter2-env"}}));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("check prints the file, its service and layer counts, and exits 0") {
  auto run = summon({"check", "shop/services.yaml"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "shop/services.yaml: ok (5 services, 4 layers)\n");
  CHECK(run.err == "");
}

TEST_CASE("check speaks of one service and one layer in the singular") {
  auto run = summon({"check", "named/summon.yaml"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "named/summon.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("check reports every error with its position, then the count, and exits 2") {
  auto run = summon({"check", "errors/three_errors.yaml"});
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
  CHECK(run.err ==
        "errors/three_errors.yaml:4:5: error: unknown key 'comand' in service 'db'; did you mean "
        "'command'?\n"
        "errors/three_errors.yaml:7:18: error: service 'api' depends on unknown service 'dbb'; "
        "did you mean 'db'?\n"
        "errors/three_errors.yaml:9:14: error: 'command' must be a string or a list of strings, "
        "not 5\n"
        "3 errors\n");
}

TEST_CASE("check reports a dependency cycle as its path") {
  auto run = summon({"check", "errors/cycle.yaml"});
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "errors/cycle.yaml:7:18: error: dependency cycle: api -> worker -> api\n1 error\n");
}

TEST_CASE("plan prints one line per layer, services of a layer together") {
  auto run = summon({"plan", "shop"});
  CHECK(run.exit_code == 0);
  CHECK(run.out ==
        "layer 1: cache, db\n"
        "layer 2: migrate\n"
        "layer 3: api\n"
        "layer 4: web\n");
}

TEST_CASE("naming a service restricts the command to it and everything it depends on") {
  auto plan = summon({"plan", "shop", "api"});
  CHECK(plan.exit_code == 0);
  CHECK(plan.out ==
        "layer 1: cache, db\n"
        "layer 2: migrate\n"
        "layer 3: api\n");

  auto check = summon({"check", "shop", "migrate"});
  CHECK(check.exit_code == 0);
  CHECK(check.out == "shop/services.yaml: ok (2 services, 2 layers)\n");
}

TEST_CASE("an unknown service name is an error with a suggestion") {
  auto run = summon({"plan", "shop", "apii"});
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
  CHECK(run.err ==
        "shop/services.yaml: error: no service named 'apii'; did you mean 'api'?\n1 error\n");
}

TEST_CASE("graph prints Graphviz dot by default, labelling edges that are not 'ready'") {
  auto run = summon({"graph", "small"});
  CHECK(run.exit_code == 0);
  CHECK(run.out ==
        "digraph \"small\" {\n"
        "  \"db\";\n"
        "  \"migrate\";\n"
        "  \"api\";\n"
        "  \"migrate\" -> \"db\";\n"
        "  \"api\" -> \"migrate\" [label=\"completed\"];\n"
        "  \"api\" -> \"db\";\n"
        "}\n");
  CHECK(summon({"graph", "small", "--format", "dot"}).out == run.out);
}

TEST_CASE("graph --format mermaid prints a Mermaid flowchart") {
  auto run = summon({"graph", "small", "--format", "mermaid"});
  CHECK(run.exit_code == 0);
  CHECK(run.out ==
        "graph TD\n"
        "  s0[\"db\"]\n"
        "  s1[\"migrate\"]\n"
        "  s2[\"api\"]\n"
        "  s1 --> s0\n"
        "  s2 -->|completed| s1\n"
        "  s2 --> s0\n");
}

TEST_CASE("graph refuses a format it does not know") {
  auto run = summon({"graph", "small", "--format", "svg"});
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
}

TEST_CASE("config masks env values whose keys look secret, in any case") {
  auto run = summon({"config", "secrets"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("DB_PASSWORD: \"***\"\n") != std::string::npos);
  CHECK(run.out.find("Session_Secret: \"***\"\n") != std::string::npos);
  CHECK(run.out.find("github_token: \"***\"\n") != std::string::npos);
  CHECK(run.out.find("ApiKey: \"***\"\n") != std::string::npos);
  CHECK(run.out.find("LOG_LEVEL: debug\n") != std::string::npos);
  for (const char* secret : {"hunter2", "s3cr3t", "ghp_abc", "k-123"})
    CHECK(run.out.find(secret) == std::string::npos);
}

TEST_CASE("config --show-secrets shows them") {
  auto run = summon({"config", "secrets", "--show-secrets"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("\"***\"") == std::string::npos);
  for (const char* secret : {"hunter2", "s3cr3t", "ghp_abc", "k-123"})
    CHECK(run.out.find(secret) != std::string::npos);
}

TEST_CASE("config masks secret values outside their own key: URLs, arguments, probes") {
  auto run = summon_with_password({"config", "secrets/leaks.yaml"});
  INFO(run.out);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "DATABASE_URL: postgres://app:***@db:5432/app\n"));
  CHECK(contains(run.out, "--password=***"));
  CHECK(contains(run.out, "--db=postgres://app:***@db/app"));
  CHECK(contains(run.out, "url: http://127.0.0.1:8080/health?token=***\n"));
  CHECK(contains(run.out, "Authorization: \"***\"\n"));
  CHECK(contains(run.out, "X-Signature: \"***\"\n"));  // the value of a dotenv secret
  CHECK(contains(run.out, "X-Trace: plain\n"));
  for (const char* secret : {"hunter2-env", "pg-pass-1", "tok-abc-123", "sig-5150"})
    CHECK_MESSAGE(!contains(run.out, secret), secret);
}

TEST_CASE("config --show-secrets shows secret values wherever they are") {
  auto run = summon_with_password({"config", "secrets/leaks.yaml", "--show-secrets"});
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "--password=hunter2-env"));
  CHECK(contains(run.out, "postgres://app:pg-pass-1@db:5432/app"));
  CHECK(contains(run.out, "?token=tok-abc-123"));
  CHECK(contains(run.out, "Bearer tok-abc-123"));
  CHECK_FALSE(contains(run.out, "***"));
}

TEST_CASE("a diagnostic that quotes a secret value shows it masked") {
  auto run = summon_with_password({"check", "secrets/bad_duration.yaml"});
  INFO(run.err);
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "secrets/bad_duration.yaml:8:21: error: 'timeout' must be a duration such as 250ms, "
        "1.5s, 2m or a number of seconds (at most 24h), not '***'\n"
        "secrets/bad_duration.yaml:9:33: error: 'timeout' must be a duration: a number of "
        "seconds, or a number with a unit such as 250ms, 1.5s, 2m, 1h, not '***'\n"
        "2 errors\n");
}

TEST_CASE("config fills in the defaults") {
  auto run = summon({"config", "small"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("stop: {signal: TERM, timeout: 10s}") != std::string::npos);
  CHECK(run.out.find("db: ready") != std::string::npos);
}

TEST_CASE("config prints the supervision keys with their defaults filled in") {
  auto run = summon({"config", "supervision"});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out,
                 "    restart: always\n"
                 "    max_restarts: 5\n"
                 "    backoff: {initial: 2s, max: 2s}\n"
                 "    watchdog: 30s\n"));
  CHECK(contains(run.out,
                 "    restart: on-failure\n"
                 "    backoff: {initial: 250ms, max: 30s}\n"));
  CHECK(contains(run.out,
                 "    depends_on:\n"
                 "      migrate: completed\n"
                 "      db: {condition: ready, restart: true}\n"));
  CHECK(contains(run.out,
                 "    restart: no\n"
                 "    backoff: {initial: 100ms, max: 30s}\n"
                 "    alive:\n"
                 "      http:\n"
                 "        url: http://127.0.0.1:${ports.api}/health\n"
                 "        method: GET\n"
                 "        status: [2xx, 3xx]\n"
                 "      timeout: 5s\n"
                 "      interval: 10s\n"
                 "      failures: 5\n"));
  CHECK(contains(run.out,
                 "    alive:\n"
                 "      tcp: {host: localhost, port: \"${ports.api}\"}\n"
                 "      timeout: 5s\n"
                 "      interval: 1m\n"
                 "      failures: 3\n"));
}

TEST_CASE("config shows ${project.dir} and ${service.cwd} resolved, absolute") {
  TempDir dir;
  dir.write("proj/services.yaml", R"y(
services:
  show:
    command: [show, "${project.dir}", "${service.cwd}/x"]
    cwd: ./data
)y");
  auto run = run_summon({"config", "proj/services.yaml"}, in_folder(dir.path().string()));
  INFO(run.err);
  CHECK(run.exit_code == 0);
  std::string project = (dir.path() / "proj").string();
  CHECK(contains(run.out, fmt::format("command: [show, {}, {}/data/x]", project, project)));
  CHECK(contains(run.out, "cwd: " + project + "/data\n"));
}

TEST_CASE("config's output is a valid services file of the same project") {
  for (const char* project : {"shop", "small", "named", "secrets", "supervision", "procfile"}) {
    CAPTURE(project);
    auto config = summon({"config", project, "--show-secrets"});
    REQUIRE(config.exit_code == 0);
    // Beside the original, so that relative paths in it mean the same.
    TempDir dir;
    for (const auto& entry : fs::directory_iterator(tests_dir("fixtures/") + project))
      fs::copy(entry.path(), dir.path() / entry.path().filename());
    auto file = dir.write("config.yaml", config.out);
    auto original = summon({"check", std::string(project)});
    auto again = run_summon({"check", file});
    CHECK(again.err == "");
    CHECK(again.exit_code == 0);
    CHECK(again.out == file + original.out.substr(original.out.find(':')));
  }
}

TEST_CASE("--help, check --help and --version exit 0") {
  auto help = summon({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* command : {"check", "plan", "graph", "config", "up", "run"})
    CHECK(help.out.find(command) != std::string::npos);

  auto check_help = summon({"check", "--help"});
  CHECK(check_help.exit_code == 0);
  CHECK(check_help.out.find("--file") != std::string::npos);

  auto version = summon({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("0.1.0") != std::string::npos);
}

TEST_CASE("no command, an unknown command or an unknown option exits 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frob"}, {"check", "--frob"}, {"graph", "small", "--format"}}) {
    auto command = fmt::format("summon {}", fmt::join(args, " "));
    CAPTURE(command);
    auto run = summon(args);
    CHECK(run.exit_code == 2);
    CHECK(run.out == "");
    CHECK(run.err != "");
  }
}

TEST_CASE("run needs a command after --, and only run takes one") {
  auto no_command = summon({"run", "shop"});
  CHECK(no_command.exit_code == 2);
  CHECK(no_command.err.find("no command") != std::string::npos);
  auto up_with_command = summon({"up", "shop", "--", "true"});
  CHECK(up_with_command.exit_code == 2);
  CHECK(up_with_command.err.find("only `summon run` takes a command") != std::string::npos);
}

TEST_CASE("a --timeout that is not a duration is a usage error") {
  auto run = summon({"up", "shop", "--timeout", "soon"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("--timeout 'soon' is not a duration") != std::string::npos);
}

TEST_CASE("every services file and Procfile under examples/ passes check") {
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source_root("examples"))) {
    auto name = entry.path().filename().string();
    if (name != "services.yaml" && name != "summon.yaml" && name != "Procfile") continue;
    auto file = entry.path().string();
    CAPTURE(file);
    auto run = run_summon({"check", file});
    CHECK(run.err == "");
    CHECK(run.exit_code == 0);
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace summon::testing

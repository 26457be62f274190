// examples/nginx: nginx in the foreground on a port chosen per run, serving
// public/index.html, writing only under runtime/, stopped gracefully with QUIT.
//
// `summon up` runs it as a developer would: the test waits for the ready line,
// reads the port from runtime/listen.conf (which the example's config service
// writes anyway), GETs the page itself, then stops summon with SIGTERM.
#include <signal.h>

#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

namespace {

// The port of "listen 127.0.0.1:PORT;", 0 when there is none.
int listen_port(const std::string& conf) {
  std::smatch match;
  if (!std::regex_search(conf, match, std::regex(R"(listen 127\.0\.0\.1:(\d+);)"))) return 0;
  return std::stoi(match[1]);
}

}  // namespace

TEST_CASE("examples/nginx: serves index.html on its port and leaves only runtime/, twice over") {
  ExampleFolder example("nginx");
  const auto page = read_text(example.path("public/index.html"));
  REQUIRE(page != "");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    Background up(summon_bin(), {"up"}, example.options());
    auto ready = up.wait_for_line("[summon] ready:", std::chrono::seconds(15));
    CHECK(ready.has_value());
    const int port = listen_port(read_text(example.path("runtime/listen.conf")));
    CHECK(port > 0);
    if (ready && port > 0) {
      auto answer = http_get(port);
      CHECK(answer.status == 200);
      CHECK(answer.body == page);
    }
    up.send(SIGTERM);
    const auto& run = up.finish(std::chrono::seconds(15));
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "[summon] config completed in "));
    CHECK(contains(run.out, "[summon] web stopped in "));
    CHECK(started_pids(run.out).size() == 2);
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    // QUIT reached nginx: it finished gracefully, and logged where it was told to.
    const auto error_log = read_text(example.path("runtime/error.log"));
    CHECK(contains(error_log, "gracefully shutting down"));
    CHECK(contains(read_text(example.path("runtime/access.log")), "\"GET / HTTP/1.1\" 200"));
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing

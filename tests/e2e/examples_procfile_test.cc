// examples/procfile: a web app's Procfile (a web server, a worker, a log tail)
// under `summon up`, as foreman would run it. The web server listens on $PORT,
// which summon sets by foreman's rule from a base: the test gives the base in
// PORT, as `PORT=N foreman start` does, so that no fixed port is needed.
#include <signal.h>

#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

using namespace std::chrono_literals;

TEST_CASE("examples/procfile: the web server answers on PORT and the worker's jobs reach the log") {
  ExampleFolder example("procfile");
  const int port = free_port();
  auto options = example.options();
  options.env.emplace_back("PORT", std::to_string(port));
  // From inside the folder with no file named, as a Procfile user types it.
  Background up(summon_bin(), {"up"}, options);

  const bool ready = up.wait_for_line("[summon] ready: 3 services in ", 10s).has_value();
  const bool serving =
      up.wait_for_line("web    | Serving HTTP on 127.0.0.1 port " + std::to_string(port), 10s)
          .has_value();
  HttpAnswer page;
  if (serving) page = http_get(port, "/");
  // The worker's line, from the worker and again from the tail of its log file;
  // APP_ENV comes from the .env beside the Procfile.
  const bool worked = up.wait_for_line("worker | [development] processed job 1", 10s).has_value();
  const bool tailed = up.wait_for_line_if(
                            [](std::string_view line) {
                              return line.starts_with("log    | [development] processed job ");
                            },
                            10s)
                          .has_value();
  up.send(SIGINT);
  const auto& run = up.finish(30s);
  INFO(describe(run));
  CHECK(ready);
  CHECK(serving);
  CHECK(page.status == 200);
  CHECK(contains(page.body, "<title>summon Procfile example</title>"));
  CHECK(worked);
  CHECK(tailed);
  CHECK(run.exit_code == 0);
  CHECK(up.find_line("[summon] stopped"));
  CHECK(started_pids(run.out).size() == 3);
  CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
  CHECK_FALSE(can_connect_tcp(port));
  CHECK(example.changed_files() == std::vector<std::string>{});
}

}  // namespace summon::testing

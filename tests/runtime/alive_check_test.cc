// The alive check on real sockets, servers and processes: unhealthy after
// `failures` failed attempts in a row, healthy again after one that holds,
// nothing between attempts but one timer, and nothing left once destroyed.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "config/environment.hpp"
#include "http_server.hpp"
#include "loop_helpers.hpp"
#include "runtime/alive_check.hpp"

namespace asio = boost::asio;
namespace config = summon::config;
using asio::ip::tcp;
using summon::runtime::AliveCheck;
using summon::runtime::HealthEvents;
using summon::test::response;
using summon::test::TestServer;
using summon::test::v4_loopback;
using namespace std::chrono_literals;

namespace {

config::AliveSpec alive_of(auto kind, int failures, config::Duration interval = 20ms,
                           config::Duration timeout = 1s) {
  config::AliveSpec spec;
  spec.probe.kind = std::move(kind);
  spec.probe.interval = interval;
  spec.probe.timeout = timeout;
  spec.failures = failures;
  return spec;
}

config::TcpProbe tcp_spec(int port) {
  return config::TcpProbe{"127.0.0.1", config::PortValue{port, ""}};
}

config::ExecProbe shell(std::string script) {
  return config::ExecProbe{{{"/bin/sh", "-c", std::move(script)}, true}};
}

using summon::test::Clock;

// A loop, and the health events a check sent, in order: "unhealthy: WHY" or "healthy".
struct Harness : summon::test::TestLoop {
  Harness() {
    target.environment = config::process_environment();
    target.cwd = dir.path;
  }

  HealthEvents events() {
    return {[this](std::string why) { seen.push_back("unhealthy: " + why); },
            [this] { seen.push_back("healthy"); }};
  }
  std::unique_ptr<AliveCheck> check(const config::AliveSpec& spec) {
    return std::make_unique<AliveCheck>(spec, target, context, events());
  }
  bool run_until_seen(std::size_t count, Clock::duration limit = std::chrono::seconds(5)) {
    return run_until([&] { return seen.size() >= count; }, limit);
  }

  std::vector<std::string> seen;
};

tcp::acceptor listen_on(asio::io_context& io, int port = 0) {
  return tcp::acceptor(io, tcp::endpoint(v4_loopback, static_cast<unsigned short>(port)));
}

bool group_is_gone(pid_t group) {
  return ::kill(-group, 0) != 0 && errno == ESRCH;
}

// The pid the script wrote to `path`, once it has written all of it.
std::optional<pid_t> read_pid(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!std::getline(file, text) || file.eof()) return std::nullopt;
  return static_cast<pid_t>(std::stol(text));
}

}  // namespace

TEST_CASE("tcp: unhealthy after `failures` refused connects in a row, healthy once it accepts") {
  Harness h;
  std::optional<tcp::acceptor> listener = listen_on(h.io);
  const int port = listener->local_endpoint().port();
  auto check = h.check(alive_of(tcp_spec(port), 3));
  REQUIRE(h.run_until([&] { return !check->last_result().empty(); }));
  CHECK(check->last_result() == fmt::format("tcp 127.0.0.1:{}: connected", port));
  h.run_for(100ms);  // several attempts, all held
  CHECK(h.seen.empty());

  listener.reset();
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] ==
        fmt::format("unhealthy: tcp 127.0.0.1:{}: connection refused (3 in a row)", port));
  CHECK(check->unhealthy());
  h.run_for(100ms);  // more failures: told once
  CHECK(h.seen.size() == 1);
  CHECK(check->failures_in_a_row() > 3);

  listener = listen_on(h.io, port);
  REQUIRE(h.run_until_seen(2));
  CHECK(h.seen[1] == "healthy");
  CHECK(check->failures_in_a_row() == 0);

  // The count starts anew: again `failures` of them before the next report.
  listener.reset();
  REQUIRE(h.run_until_seen(3));
  CHECK(h.seen[2] ==
        fmt::format("unhealthy: tcp 127.0.0.1:{}: connection refused (3 in a row)", port));
}

TEST_CASE("tcp: a success between failures resets the count") {
  Harness h;
  std::optional<tcp::acceptor> listener = listen_on(h.io);
  const int port = listener->local_endpoint().port();
  listener.reset();
  auto check = h.check(alive_of(tcp_spec(port), 4));
  REQUIRE(h.run_until([&] { return check->failures_in_a_row() == 2; }));
  listener = listen_on(h.io, port);
  REQUIRE(h.run_until([&] { return check->failures_in_a_row() == 0; }));
  listener.reset();
  REQUIRE(h.run_until([&] { return check->failures_in_a_row() == 3; }));
  CHECK(h.seen.empty());  // never 4 in a row yet
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0].ends_with("(4 in a row)"));
}

TEST_CASE("the first attempt comes at once, not after an interval") {
  Harness h;
  const int port = summon::test::free_port(h.io);
  auto check = h.check(alive_of(tcp_spec(port), 1, 1h));
  REQUIRE(h.run_until_seen(1, 2s));
  CHECK(h.seen[0] ==
        fmt::format("unhealthy: tcp 127.0.0.1:{}: connection refused (1 in a row)", port));
}

TEST_CASE("http: unhealthy while the status is refused, healthy once it is accepted again") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(200, "ok"));
  const std::string url = fmt::format("http://127.0.0.1:{}/health", server.port());
  config::HttpProbe spec;
  spec.url = url;
  auto check = h.check(alive_of(spec, 2));
  REQUIRE(h.run_until([&] { return server.requests().size() >= 3; }));
  CHECK(h.seen.empty());
  CHECK(check->last_result() == fmt::format("http 127.0.0.1:{}/health: status 200", server.port()));

  server.answer(response(503));
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] ==
        fmt::format("unhealthy: http 127.0.0.1:{}/health: status 503 (2 in a row)", server.port()));

  server.answer(response(204));
  REQUIRE(h.run_until_seen(2));
  CHECK(h.seen[1] == "healthy");
}

TEST_CASE("http: a server that does not answer within the timeout fails the attempt") {
  Harness h;
  TestServer server(h.io);
  server.hold();
  const std::string url = fmt::format("http://127.0.0.1:{}/", server.port());
  config::HttpProbe spec;
  spec.url = url;
  auto check = h.check(alive_of(spec, 1, 20ms, 100ms));
  REQUIRE(h.run_until_seen(1, 2s));
  CHECK(h.seen[0] ==
        fmt::format("unhealthy: http 127.0.0.1:{}/: no answer within 100ms (1 in a row)",
                    server.port()));
}

TEST_CASE("exec: unhealthy while the command exits non-zero, healthy once it exits 0") {
  Harness h;
  auto check = h.check(alive_of(shell("test ! -e down"), 2));
  REQUIRE(h.run_until([&] { return !check->last_result().empty(); }));
  CHECK(check->last_result() == "exec test ! -e down: exited with code 0");

  std::ofstream(h.dir / "down") << "x\n";
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] == "unhealthy: exec test ! -e down: exited with code 1 (2 in a row)");

  std::filesystem::remove(h.dir / "down");
  REQUIRE(h.run_until_seen(2));
  CHECK(h.seen[1] == "healthy");
}

TEST_CASE("exec: an attempt past its timeout is killed with its whole group") {
  Harness h;
  auto check = h.check(alive_of(shell("echo $$ >> pids; sleep 100 & sleep 100"), 1, 10s, 200ms));
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] ==
        "unhealthy: exec echo $$ >> pids; sleep 100 & sleep 100: timed out after 200ms (1 in a "
        "row)");
  const auto group = read_pid(h.dir / "pids");
  REQUIRE(group);
  // Its leader was reaped before the verdict; the rest of its group is gone
  // once the reaper has collected it.
  CHECK(h.run_until([&] { return group_is_gone(*group); }, 2s));
  // The next attempt waits its interval: no process meanwhile.
  h.run_for(100ms);
  std::ifstream pids(h.dir / "pids");
  std::string line;
  int attempts = 0;
  while (std::getline(pids, line)) ++attempts;
  CHECK(attempts == 1);
}

TEST_CASE("exec: a program that cannot be spawned counts as a failed attempt") {
  Harness h;
  auto check = h.check(alive_of(config::ExecProbe{{{"summon-no-such-program"}, false}}, 2));
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0].starts_with("unhealthy: exec probe cannot start: summon-no-such-program"));
  CHECK(h.seen[0].ends_with("(2 in a row)"));
}

TEST_CASE("unix: unhealthy once nobody listens on the socket, healthy when it listens again") {
  Harness h;
  using Local = asio::local::stream_protocol;
  const std::string path = h.dir / "svc.sock";
  std::optional<Local::acceptor> listener;
  listener.emplace(h.io, Local::endpoint(path));
  auto check = h.check(alive_of(config::UnixProbe{path}, 2));
  REQUIRE(h.run_until([&] { return !check->last_result().empty(); }));
  CHECK(check->last_result() == fmt::format("unix {}: connected", path));

  listener.reset();  // the file stays behind: refused
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] == fmt::format("unhealthy: unix {}: connection refused (2 in a row)", path));

  std::filesystem::remove(path);
  listener.emplace(h.io, Local::endpoint(path));
  REQUIRE(h.run_until_seen(2));
  CHECK(h.seen[1] == "healthy");
}

TEST_CASE("between attempts nothing runs: one timer waits out the interval") {
  Harness h;
  tcp::acceptor listener = listen_on(h.io);
  int accepted = 0;
  std::function<void()> accept = [&] {
    listener.async_accept([&](const boost::system::error_code& error, tcp::socket) {
      if (error) return;
      ++accepted;
      accept();
    });
  };
  accept();
  auto check = h.check(alive_of(tcp_spec(listener.local_endpoint().port()), 3, 400ms));
  REQUIRE(h.run_until([&] { return accepted == 1 && !check->last_result().empty(); }));
  h.settle();
  // Nothing wakes the loop until the interval is over.
  h.io.restart();
  CHECK(h.io.run_one_for(200ms) == 0);
  REQUIRE(h.run_until([&] { return accepted == 2; }));
  CHECK(h.seen.empty());
}

TEST_CASE("destroying the check mid-attempt: no event, and the attempt's process is gone") {
  Harness h;
  auto check = h.check(alive_of(shell("echo $$ > pid; sleep 100 & sleep 100"), 1));
  std::optional<pid_t> group;
  REQUIRE(h.run_until([&] { return (group = read_pid(h.dir / "pid")).has_value(); }));
  CHECK_FALSE(group_is_gone(*group));
  check.reset();
  CHECK(h.run_until([&] { return group_is_gone(*group); }, 2s));
  h.run_for(50ms);
  CHECK(h.seen.empty());
}

TEST_CASE("destroying the check while it waits, or from its own event, ends it at once") {
  Harness h;
  const int port = summon::test::free_port(h.io);
  std::unique_ptr<AliveCheck> check;
  int told = 0;
  check = std::make_unique<AliveCheck>(alive_of(tcp_spec(port), 1, 10ms), h.target, h.context,
                                       HealthEvents{[&](std::string) {
                                                      ++told;
                                                      check.reset();
                                                    },
                                                    [&] { ++told; }});
  REQUIRE(h.run_until([&] { return told > 0; }));
  h.run_for(50ms);
  CHECK(told == 1);

  auto waiting = h.check(alive_of(tcp_spec(port), 5, 50ms));
  REQUIRE(h.run_until([&] { return !waiting->last_result().empty(); }));
  waiting.reset();
  h.run_for(100ms);
  CHECK(h.seen.empty());
}

TEST_CASE("a probe that cannot be an alive check says why") {
  Harness h;
  CHECK(AliveCheck::invalid(alive_of(config::TcpProbe{}, 3), h.target, h.context) == std::nullopt);
  CHECK(AliveCheck::invalid(alive_of(config::LogProbe{"up"}, 3), h.target, h.context) ==
        "alive: a log probe cannot be polled (tcp, http, exec or unix)");
  config::HttpProbe bad;
  bad.url = "ftp://x/";
  CHECK(AliveCheck::invalid(alive_of(bad, 3), h.target, h.context) ==
        "alive: http: invalid URL 'ftp://x/': only http:// URLs are supported");
  // Made anyway, it only ever fails.
  auto check = h.check(alive_of(bad, 1));
  REQUIRE(h.run_until_seen(1));
  CHECK(h.seen[0] ==
        "unhealthy: alive: http: invalid URL 'ftp://x/': only http:// URLs are supported (1 in a "
        "row)");
}

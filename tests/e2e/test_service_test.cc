// The test service itself: each mode does what the end-to-end tests rely on.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "record.hpp"
#include "run_summon.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t ms = 1'000'000;  // in ns

// The test service with `args`, in a process group of its own, recording to the sandbox.
Background service(const Sandbox& sandbox, std::vector<std::string> args,
                   const EnvChanges& env = {}) {
  args.insert(args.begin(), {"--record", sandbox.record_path()});
  RunOptions options = sandbox.options(env);
  return Background(test_service_bin(), args, options);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A datagram socket at `path`, as a service manager listens for sd_notify messages.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~NotifyListener() { ::close(fd_); }

  // The next message, or "" when none came within 10 s.
  std::string next() {
    pollfd polled{fd_, POLLIN, 0};
    if (::poll(&polled, 1, 10'000) != 1) return "";
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("the test service records its start and its own exit with the code asked for") {
  Sandbox sandbox;
  auto process = service(sandbox, {"--name", "one", "--exit-after", "50", "--exit-code", "3"});
  auto& run = process.finish();
  CHECK(run.exit_code == 3);

  auto record = sandbox.record();
  INFO(record.text());
  REQUIRE(record.events().size() == 2);
  const Event* start = record.find("one", "start");
  REQUIRE(start);
  CHECK(start->args ==
        std::vector<std::string>{std::to_string(process.pid()), std::to_string(process.pid())});
  const Event* exit = record.find("one", "exit");
  REQUIRE(exit);
  CHECK(exit->args == std::vector<std::string>{"3"});
  CHECK(exit->ns - start->ns >= 50 * ms);
}

TEST_CASE("the test service takes its name from SUMMON_SERVICE, else calls itself service") {
  Sandbox sandbox;
  service(sandbox, {"--exit-after", "0"}, {{"SUMMON_SERVICE", "db"}}).finish();
  service(sandbox, {"--exit-after", "0"}, {{"SUMMON_SERVICE", std::nullopt}}).finish();
  auto record = sandbox.record();
  CHECK(record.has("db", "start"));
  CHECK(record.has("service", "start"));
}

TEST_CASE("the test service listens on tcp only once ready, and exits 0 on SIGTERM") {
  Sandbox sandbox;
  int port = free_port();
  auto process = service(sandbox, {"--name", "web", "--ready-after", "100", "--ready",
                                   "tcp:" + std::to_string(port), "--ready", "log:up"});
  auto up = process.wait_for_line("up");
  REQUIRE(up);
  CHECK(can_connect_tcp(port));
  process.send(SIGTERM);
  CHECK(process.finish().exit_code == 0);

  auto record = sandbox.record();
  INFO(record.text());
  REQUIRE(record.has("web", "ready"));
  CHECK(record.find("web", "ready")->ns - record.find("web", "start")->ns >= 100 * ms);
  CHECK(record.find("web", "ready")->ns <= monotonic_ns(up->at));
  REQUIRE(record.has("web", "term"));
  CHECK(record.find("web", "term")->args == std::vector<std::string>{"TERM"});
  CHECK(record.before("web", "term", "web", "exit"));
  CHECK(record.find("web", "exit")->args == std::vector<std::string>{"0"});
  CHECK_FALSE(can_connect_tcp(port));
}

TEST_CASE("the test service listens on ::1 with tcp6") {
  if (!has_ipv6()) {
    MESSAGE("skipped: no IPv6 loopback here");
    return;
  }
  Sandbox sandbox;
  int port = free_port();
  auto process = service(sandbox, {"--ready", "tcp6:" + std::to_string(port), "--ready", "log:up"});
  REQUIRE(process.wait_for_line("up"));
  CHECK(can_connect_tcp(port, true));
  CHECK_FALSE(can_connect_tcp(port, false));
}

TEST_CASE("the test service answers http with --http-status until ready, then 200 ok") {
  Sandbox sandbox;
  int port = free_port();
  auto process =
      service(sandbox, {"--http-status", "503", "--print", "started", "--ready-after", "1000",
                        "--ready", "http:" + std::to_string(port), "--ready", "log:up"});
  REQUIRE(process.wait_for_line("started"));
  auto before = http_get(port);
  CHECK(before.status == 503);
  CHECK(before.body == "not ready");
  REQUIRE(process.wait_for_line("up"));
  auto after = http_get(port);
  CHECK(after.status == 200);
  CHECK(after.body == "ok");
}

TEST_CASE("the test service refuses http connections until ready without --http-status") {
  Sandbox sandbox;
  int port = free_port();
  auto process = service(sandbox, {"--http-body", "fine", "--ready", "http:" + std::to_string(port),
                                   "--ready", "log:up"});
  REQUIRE(process.wait_for_line("up"));
  auto answer = http_get(port);
  CHECK(answer.status == 200);
  CHECK(answer.body == "fine");
}

TEST_CASE("the test service sends STATUS=starting, then READY=1 on NOTIFY_SOCKET") {
  Sandbox sandbox;
  NotifyListener listener(sandbox.path("notify"));
  auto process = service(sandbox, {"--ready-after", "50", "--ready", "notify"},
                         {{"NOTIFY_SOCKET", sandbox.path("notify")}});
  CHECK(listener.next() == "STATUS=starting");
  CHECK(listener.next() == "READY=1");
}

TEST_CASE("the test service writes a newline to fd N, or closes it without one") {
  Sandbox sandbox;
  auto via_fd3 = [&](const std::string& mode, const std::string& file) {
    // The shell opens fd 3 on the file, as summon opens it on a pipe.
    return run_program("/bin/sh", {"-c", "exec \"$0\" --ready " + mode + " --exit-after 0 3>\"$1\"",
                                   test_service_bin(), sandbox.path(file)});
  };
  CHECK(via_fd3("fd:3", "written").exit_code == 0);
  CHECK(read_file(sandbox.path("written")) == "\n");
  CHECK(via_fd3("fd-close:3", "closed").exit_code == 0);
  CHECK(read_file(sandbox.path("closed")) == "");
}

TEST_CASE("the test service touches a file and listens on a unix socket, removed at exit") {
  Sandbox sandbox;
  auto process = service(sandbox, {"--ready", "file:" + sandbox.path("flag"), "--ready",
                                   "unix:" + sandbox.path("socket"), "--ready", "log:up"});
  REQUIRE(process.wait_for_line("up"));
  CHECK(std::filesystem::exists(sandbox.path("flag")));
  CHECK(can_connect_unix(sandbox.path("socket")));
  process.send(SIGTERM);
  CHECK(process.finish().exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(sandbox.path("socket")));
}

TEST_CASE("the test service's --on-term modes: ignore, delay and code") {
  Sandbox sandbox;
  SUBCASE("ignore: the signal is recorded, the service keeps running until its own exit") {
    auto process = service(sandbox, {"--name", "stubborn", "--on-term", "ignore", "--ready",
                                     "log:up", "--exit-after", "300"});
    REQUIRE(process.wait_for_line("up"));
    process.send(SIGTERM);
    CHECK(process.finish().exit_code == 0);
    auto record = sandbox.record();
    INFO(record.text());
    CHECK(record.before("stubborn", "term", "stubborn", "exit"));
    CHECK(record.find("stubborn", "exit")->ns - record.find("stubborn", "start")->ns >= 300 * ms);
  }
  SUBCASE("delay: exits 0 that long after the signal") {
    auto process =
        service(sandbox, {"--name", "slow", "--on-term", "delay:200", "--ready", "log:up"});
    REQUIRE(process.wait_for_line("up"));
    process.send(SIGINT);
    CHECK(process.finish().exit_code == 0);
    auto record = sandbox.record();
    INFO(record.text());
    REQUIRE(record.has("slow", "exit"));
    CHECK(record.find("slow", "term")->args == std::vector<std::string>{"INT"});
    CHECK(record.find("slow", "exit")->ns - record.find("slow", "term")->ns >= 200 * ms);
  }
  SUBCASE("code: exits with that code") {
    auto process = service(sandbox, {"--on-term", "code:7", "--ready", "log:up"});
    REQUIRE(process.wait_for_line("up"));
    process.send(SIGHUP);
    CHECK(process.finish().exit_code == 7);
  }
}

TEST_CASE("the test service's child waits in the same process group until killed") {
  Sandbox sandbox;
  auto process = service(sandbox, {"--name", "parent", "--child", "--pidfile", sandbox.path("pid"),
                                   "--ready", "log:up"});
  REQUIRE(process.wait_for_line("up"));
  pid_t child = read_pidfile(sandbox.path("pid.child"));
  CHECK(read_pidfile(sandbox.path("pid")) == process.pid());
  REQUIRE(child > 0);
  auto members = group_members(process.pid());
  CHECK(std::find(members.begin(), members.end(), child) != members.end());
  auto record = sandbox.record();
  REQUIRE(record.has("parent", "child"));
  CHECK(record.find("parent", "child")->args[0] == std::to_string(child));

  ::kill(-process.pid(), SIGTERM);
  CHECK(process.finish().exit_code == 0);
  CHECK(wait_gone(child, 5s));
  CHECK(survivors(sandbox.record()).empty());
}

TEST_CASE("the test service's stubborn child ignores stop signals; SIGKILL ends it") {
  Sandbox sandbox;
  auto process =
      service(sandbox, {"--stubborn-child", "--pidfile", sandbox.path("pid"), "--ready", "log:up"});
  REQUIRE(process.wait_for_line("up"));
  pid_t child = read_pidfile(sandbox.path("pid.child"));
  REQUIRE(child > 0);
  ::kill(-process.pid(), SIGTERM);
  CHECK(process.finish().exit_code == 0);
  // An ignored signal is dropped when sent: by the parent's exit the child has had its TERM.
  CHECK(alive(child));
  ::kill(child, SIGKILL);
  CHECK(wait_gone(child, 5s));
}

TEST_CASE("the test service prints lines, a long line and text without a newline") {
  Sandbox sandbox;
  auto run = run_program(test_service_bin(),
                         {"--print", "a", "--print-stderr", "b", "--lines", "3", "--long-line",
                          "70000", "--no-newline", "tail", "--exit-after", "0"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "a\nline 1\nline 2\nline 3\n" + std::string(70000, 'x') + "\ntail");
  CHECK(run.err == "b\n");
}

TEST_CASE("the test service waits without using the CPU") {
  auto run = run_program(test_service_bin(),
                         {"--http-status", "503", "--ready", "http:" + std::to_string(free_port()),
                          "--ready-after", "300", "--exit-after", "600"});
  CHECK(run.exit_code == 0);
  CHECK(run.elapsed.count() >= 0.6);
  // A busy loop would use about as much CPU as time passed.
  CHECK(run.cpu.count() < 0.1);
}

TEST_CASE("the test service rejects a bad option with a message and exit 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                {"--ready", "tcp:port"},
                                                                {"--ready", "smoke"},
                                                                {"--on-term", "later"},
                                                                {"--exit-after"},
                                                                {"--child=yes"}}) {
    auto run = run_program(test_service_bin(), args);
    INFO(args[0]);
    CHECK(run.exit_code == 2);
    CHECK(run.err.starts_with("summon-test-service: "));
    CHECK(run.out == "");
  }
}

}  // namespace summon::testing

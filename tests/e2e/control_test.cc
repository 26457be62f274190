// A running project driven from outside (SPEC 2.2) on the real binary:
// `ps`, `logs`, `stop`, `start`, `restart`, `down` and `ls` over the control
// socket, checked against what happened to the processes.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<pid_t> starts(const Record& record, const std::string& service) {
  std::vector<pid_t> pids;
  for (const Event& event : record.events())
    if (event.service == service && event.what == "start" && !event.args.empty())
      pids.push_back(std::stoi(event.args[0]));
  return pids;
}

// `summon ARGS... FIXTURE` against the sandbox's running project.
RunResult ask(const Sandbox& sandbox, std::vector<std::string> args) {
  return run_summon(args, sandbox.options());
}

std::string fixture() {
  return runtime_fixture("control.yaml");
}

json ps_json(const Sandbox& sandbox) {
  auto ps = ask(sandbox, {"ps", "--json", fixture()});
  INFO(describe(ps));
  REQUIRE(ps.exit_code == 0);
  return json::parse(ps.out);
}

json service_in(const json& ps, const std::string& name) {
  for (const auto& service : ps["services"])
    if (service["name"] == name) return service;
  return nullptr;
}

// The one project folder under the sandbox's state root.
std::string socket_of(const Sandbox& sandbox) {
  for (const auto& entry : std::filesystem::directory_iterator(sandbox.dir() / "summon"))
    if (std::filesystem::exists(entry.path() / "control.sock"))
      return (entry.path() / "control.sock").string();
  return {};
}

// Sends `bytes` on a fresh connection and returns everything said back.
std::string raw_exchange(const std::string& socket_path, const std::string& bytes) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char chunk[4096];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) > 0;)
    reply.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  return reply;
}

}  // namespace

TEST_CASE("ps, restart, stop, start and down drive a running project from another folder") {
  Sandbox sandbox;
  auto up = sandbox.up("control.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));

  auto ps = ps_json(sandbox);
  CHECK(ps["project"] == "ctl");
  auto db = service_in(ps, "db"), api = service_in(ps, "api");
  REQUIRE(db.is_object());
  REQUIRE(api.is_object());
  CHECK(db["state"] == "ready");
  CHECK(api["state"] == "ready");
  auto record = sandbox.record();
  CHECK(api["pid"].get<pid_t>() == starts(record, "api").at(0));
  CHECK(db["restarts"] == 0);
  CHECK(db["ready_ms"].is_number());

  auto table = ask(sandbox, {"ps", fixture()});
  CHECK(table.exit_code == 0);
  CHECK(contains(table.out, "NAME"));
  CHECK(contains(table.out, "ready"));

  // From a folder that is not the project's, by name.
  RunOptions elsewhere = sandbox.options();
  elsewhere.cwd = "/";
  auto restart = run_summon({"restart", "-p", "ctl", "api"}, elsewhere);
  INFO(describe(restart));
  CHECK(restart.exit_code == 0);
  record = sandbox.record();
  const auto api_starts = starts(record, "api");
  REQUIRE(api_starts.size() == 2);
  CHECK(api_starts[0] != api_starts[1]);
  CHECK(record.has("api", "term"));
  CHECK(starts(record, "db").size() == 1);  // what it depends on is left alone
  ps = ps_json(sandbox);
  CHECK(service_in(ps, "api")["pid"].get<pid_t>() == api_starts[1]);
  CHECK(service_in(ps, "api")["restarts"] == 1);

  auto stop = ask(sandbox, {"stop", fixture(), "api"});
  CHECK(stop.exit_code == 0);
  CHECK(!alive(api_starts[1]));
  CHECK(service_in(ps_json(sandbox), "api")["state"] == "stopped");
  auto start = ask(sandbox, {"start", fixture(), "api"});
  CHECK(start.exit_code == 0);
  CHECK(starts(sandbox.record(), "api").size() == 3);
  CHECK(service_in(ps_json(sandbox), "api")["state"] == "ready");

  auto unknown = ask(sandbox, {"restart", fixture(), "apu"});
  CHECK(unknown.exit_code == 1);
  CHECK(contains(unknown.err, "no service 'apu'"));

  auto down = ask(sandbox, {"down", fixture()});
  CHECK(down.exit_code == 0);
  const auto& run = up.finish();
  CHECK(run.exit_code == 0);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
  auto after = ask(sandbox, {"ps", fixture()});
  CHECK(after.exit_code == 3);
  CHECK(contains(after.err, "is not up"));
}

TEST_CASE("logs shows what services said; logs -f follows a restart's new lines") {
  Sandbox sandbox;
  auto up = sandbox.up("control.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));

  auto logs = ask(sandbox, {"logs", fixture()});
  INFO(describe(logs));
  CHECK(logs.exit_code == 0);
  CHECK(contains(logs.out, "api | api says hello"));
  CHECK(contains(logs.out, "db  | db up"));
  auto last = ask(sandbox, {"logs", "-n", "1", fixture(), "api"});
  CHECK(last.out == "api | api up\n");
  auto stamped = ask(sandbox, {"logs", "-t", "-n", "1", fixture(), "db"});
  CHECK(contains(stamped.out, "db | 20"));
  CHECK(contains(stamped.out, "Z db up"));

  Background follow(summon_bin(), {"logs", "-f", "-n", "1", fixture(), "api"},
                    sandbox.options());
  // Its last line comes once the follower is in place: a restart's lines
  // then reach it.
  REQUIRE(follow.wait_for_line("api | api up"));
  CHECK_FALSE(follow.find_line("api says hello"));
  auto restart = ask(sandbox, {"restart", fixture(), "api"});
  CHECK(restart.exit_code == 0);
  CHECK(follow.wait_for_line("api | api says hello"));
  follow.send(SIGTERM);
  follow.finish();

  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
}

TEST_CASE("a second up of a running project is refused; ls lists it; bad messages change nothing") {
  Sandbox sandbox;
  auto up = sandbox.up("control.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));

  auto second = run_summon({"up", fixture()}, sandbox.options());
  CHECK(second.exit_code == 2);
  CHECK(contains(second.err, "ctl is already up (pid " + std::to_string(up.pid()) +
                                 "): summon attach, or summon down first"));

  auto ls = ask(sandbox, {"ls", "--json"});
  REQUIRE(ls.exit_code == 0);
  auto listed = json::parse(ls.out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["name"] == "ctl");
  CHECK(listed[0]["pid"] == up.pid());
  CHECK(listed[0]["ready"] == 2);
  CHECK(listed[0]["file"] == std::filesystem::canonical(fixture()).string());

  const auto socket = socket_of(sandbox);
  REQUIRE(!socket.empty());
  CHECK(std::filesystem::status(socket).permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  for (const std::string& bad : {std::string("not json\n"), std::string("[1,2]\n"),
                                std::string("{\"command\":\"explode\"}\n"),
                                std::string(70 * 1024, 'x') + "\n"}) {
    auto reply = raw_exchange(socket, bad);
    CHECK(contains(reply, "\"ok\":false"));
  }
  CHECK(service_in(ps_json(sandbox), "db")["state"] == "ready");
  CHECK(starts(sandbox.record(), "db").size() == 1);

  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
  // Its folder went with it.
  CHECK(socket_of(sandbox).empty());
}

}  // namespace summon::testing

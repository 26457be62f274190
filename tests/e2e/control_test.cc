// A running project driven from outside (SPEC 2.2) on the real binary:
// `ps`, `logs`, `stop`, `start`, `restart`, `down` and `ls` over the control
// socket, checked against what happened to the processes.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
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

// Sends `bytes` on a fresh connection and returns everything said back
// (within 10 s), or "connect failed: WHY".
std::string raw_exchange(const std::string& socket_path, const std::string& bytes) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int why = errno;
    ::close(fd);
    return std::string("connect failed: ") + std::strerror(why);
  }
  const timeval deadline{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
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

// The same, from a forked child that first became user `uid` (group `gid`,
// no other groups), as another user's process would be.
std::string raw_exchange_as(uid_t uid, gid_t gid, const std::string& socket_path,
                            const std::string& bytes) {
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
        ::setresuid(uid, uid, uid) != 0)
      ::_exit(1);
    const std::string reply = raw_exchange(socket_path, bytes);
    const bool written =
        ::write(out[1], reply.data(), reply.size()) == static_cast<ssize_t>(reply.size());
    ::_exit(written ? 0 : 2);
  }
  ::close(out[1]);
  std::string reply;
  char chunk[4096];
  for (ssize_t n; (n = ::read(out[0], chunk, sizeof chunk)) > 0;)
    reply.append(chunk, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return reply;
}

// nobody and nogroup, when the test runs as root and they exist.
struct OtherUser {
  uid_t uid;
  gid_t gid;
};
std::optional<OtherUser> nobody() {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* user = ::getpwnam("nobody");
  const group* team = ::getgrnam("nogroup");
  if (!user || !team) return std::nullopt;
  return OtherUser{user->pw_uid, team->gr_gid};
}

// `program ARGS...` as nobody, as security_test.cc runs it.
std::vector<std::string> as_nobody(std::vector<std::string> args) {
  args.insert(args.begin(), {"--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return args;
}

// The control socket under state root `root` (its one project folder).
std::string socket_under(const std::filesystem::path& root) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error))
    if (std::filesystem::exists(entry.path() / "control.sock"))
      return (entry.path() / "control.sock").string();
  return {};
}

// Opens every folder from `top` down to the socket for anyone to pass
// through (not to list), and the socket to anyone, while it lives; puts the
// modes back as summon made them (0700, 0600) when it goes. Only the
// supervisor's own check of its peer is left then.
class OpenWay {
 public:
  OpenWay(std::vector<std::string> folders, std::string socket)
      : folders_(std::move(folders)), socket_(std::move(socket)) {
    for (const auto& folder : folders_) CHECK(::chmod(folder.c_str(), 0711) == 0);
    CHECK(::chmod(socket_.c_str(), 0666) == 0);
  }
  ~OpenWay() {
    for (const auto& folder : folders_) ::chmod(folder.c_str(), 0700);
    ::chmod(socket_.c_str(), 0600);
  }
  OpenWay(const OpenWay&) = delete;
  OpenWay& operator=(const OpenWay&) = delete;

 private:
  std::vector<std::string> folders_;
  std::string socket_;
};

// The folders from `top` down to the socket's own.
std::vector<std::string> folders_down_to(const std::filesystem::path& top,
                                         const std::string& socket) {
  std::vector<std::string> folders;
  for (auto folder = std::filesystem::path(socket).parent_path();; folder = folder.parent_path()) {
    folders.push_back(folder.string());
    if (folder == top || folder == folder.parent_path()) break;
  }
  return folders;
}

std::set<std::string> names_in(const json& ps) {
  std::set<std::string> names;
  for (const auto& service : ps["services"]) names.insert(service["name"].get<std::string>());
  return names;
}

// A connection that has sent one request, read a line at a time. Each read
// waits up to a deadline that only keeps a failing test from hanging.
class ReplyStream {
 public:
  ReplyStream(const std::string& socket_path, const std::string& request)
      : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    const timeval deadline{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
    REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
  }
  ~ReplyStream() { ::close(fd_); }
  ReplyStream(const ReplyStream&) = delete;
  ReplyStream& operator=(const ReplyStream&) = delete;

  /// The next line, parsed; nothing once the supervisor has closed the
  /// connection (closed()) or the deadline has passed.
  std::optional<json> next() {
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        auto line = json::parse(buffer_.substr(0, end));
        buffer_.erase(0, end + 1);
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        closed_ = n == 0;
        return std::nullopt;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  std::string buffer_;
  bool closed_ = false;
};

// What a running service's entry says of what its processes use.
void check_usage_known(const json& service) {
  INFO(service.dump());
  REQUIRE(service["cpu_ms"].is_number());
  CHECK(service["cpu_ms"].get<double>() >= 0);
  REQUIRE(service["memory_bytes"].is_number_integer());
  CHECK(service["memory_bytes"].get<long long>() > 0);
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
  check_usage_known(db);
  check_usage_known(api);

  auto table = ask(sandbox, {"ps", fixture()});
  CHECK(table.exit_code == 0);
  CHECK(contains(table.out, "NAME"));
  CHECK(contains(table.out, "ready"));
  CHECK(contains(table.out, "  CPU  "));
  CHECK(contains(table.out, "  MEM  "));

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
  const auto stopped = service_in(ps_json(sandbox), "api");
  CHECK(stopped["state"] == "stopped");
  CHECK(stopped["cpu_ms"].is_null());
  CHECK(stopped["memory_bytes"].is_null());
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

TEST_CASE(
    "ps with follow sends a snapshot at once, fresh ones after a restart, and ends with the "
    "project") {
  Sandbox sandbox;
  auto up = sandbox.up("control.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));

  ReplyStream ps(socket_of(sandbox), "{\"command\":\"ps\",\"follow\":true}\n");
  const auto first = ps.next();
  REQUIRE(first);
  CHECK((*first)["ok"] == true);
  CHECK((*first)["project"] == "ctl");
  const auto api = service_in(*first, "api");
  REQUIRE(api["pid"].is_number_integer());
  CHECK(api["state"] == "ready");
  check_usage_known(api);
  check_usage_known(service_in(*first, "db"));
  const pid_t before = api["pid"].get<pid_t>();

  auto restart = ask(sandbox, {"restart", fixture(), "api"});
  INFO(describe(restart));
  REQUIRE(restart.exit_code == 0);
  const auto api_starts = starts(sandbox.record(), "api");
  REQUIRE(api_starts.size() == 2);
  // Snapshots of the stop and the start on the way, then the new process.
  std::optional<json> moved;
  for (int read = 0; read < 1000 && !moved; ++read) {
    const auto snapshot = ps.next();
    REQUIRE(snapshot);
    CHECK((*snapshot)["ok"] == true);
    const auto now = service_in(*snapshot, "api");
    if (now["pid"].is_number_integer() && now["pid"].get<pid_t>() != before) moved = now;
  }
  REQUIRE(moved);
  CHECK((*moved)["pid"].get<pid_t>() == api_starts[1]);
  check_usage_known(*moved);

  auto down = ask(sandbox, {"down", fixture()});
  CHECK(down.exit_code == 0);
  // What came before the end, then the end: the supervisor closes.
  for (int read = 0; read < 1000 && ps.next();) ++read;
  CHECK(ps.closed());
  CHECK(up.finish().exit_code == 0);
  CHECK(all_gone(sandbox.record()));
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

  Background follow(summon_bin(), {"logs", "-f", "-n", "1", fixture(), "api"}, sandbox.options());
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
  for (const std::string& bad :
       {std::string("not json\n"), std::string("[1,2]\n"),
        std::string("{\"command\":\"explode\"}\n"), std::string(70 * 1024, 'x') + "\n"}) {
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

// Task: another user is refused, both ways (SPEC 2.2: only the owner's user
// id, or root, is served).
TEST_CASE("another user's summon and processes do not reach a project; a refusal is shown") {
  const auto other = nobody();
  if (!other) {
    MESSAGE("not root, or no nobody/nogroup: no other user to be here; case not covered");
    return;
  }
  Sandbox sandbox;
  auto up = sandbox.up("control.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));
  const auto before = ps_json(sandbox);
  const auto socket = socket_of(sandbox);
  REQUIRE(!socket.empty());

  // nobody's summon, told the same XDG_RUNTIME_DIR: a folder that is not
  // nobody's is passed over, and nobody's own state root holds no project.
  RunOptions nobody_options = sandbox.options();
  nobody_options.cwd = "/";
  const auto ps =
      run_program("/usr/bin/setpriv", as_nobody({summon_bin(), "ps", "-p", "ctl"}), nobody_options);
  INFO(describe(ps));
  CHECK(ps.exit_code == 3);
  CHECK(contains(ps.err, "ctl is not up"));

  // nobody's process cannot even reach the socket through root's folders...
  const std::string down = "{\"command\":\"down\"}\n";
  const auto blocked = raw_exchange_as(other->uid, other->gid, socket, down);
  CHECK(blocked == "connect failed: Permission denied");
  // ...and where every folder lets it through, the supervisor turns it away.
  std::string refused;
  {
    OpenWay open(folders_down_to(sandbox.dir(), socket), socket);
    refused = raw_exchange_as(other->uid, other->gid, socket, down);
  }
  CHECK(contains(refused, "\"ok\":false"));
  CHECK(contains(refused, "refused"));
  const auto said = up.wait_for_line("[summon] refused a control connection from uid 65534");
  REQUIRE(said);
  CHECK(contains(said->text, "only uid 0 (or root) is served"));

  // It runs on, unchanged.
  const auto after = ps_json(sandbox);
  for (const std::string name : {"db", "api"}) {
    CHECK(service_in(after, name)["state"] == "ready");
    CHECK(service_in(after, name)["pid"] == service_in(before, name)["pid"]);
    CHECK(starts(sandbox.record(), name).size() == 1);
  }
  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a project run as another user serves its owner and root, and refuses a third user") {
  const auto other = nobody();
  if (!other) {
    MESSAGE("not root, or no nobody/nogroup: no other user to be here; case not covered");
    return;
  }
  Sandbox sandbox;
  // nobody may pass through the sandbox (not list it), append to the
  // record, and has a runtime folder of its own, as a login session gives.
  std::filesystem::permissions(sandbox.dir(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  std::ofstream(sandbox.record_path()).close();
  REQUIRE(::chown(sandbox.record_path().c_str(), other->uid, other->gid) == 0);
  const std::string runtime = sandbox.path("nobody-runtime");
  REQUIRE(::mkdir(runtime.c_str(), 0700) == 0);
  REQUIRE(::chown(runtime.c_str(), other->uid, other->gid) == 0);
  const RunOptions nobody_options = sandbox.options({{"XDG_RUNTIME_DIR", runtime}});

  Background up("/usr/bin/setpriv", as_nobody({summon_bin(), "up", fixture()}), nobody_options);
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));
  const auto socket = socket_under(runtime + "/summon");
  REQUIRE(!socket.empty());
  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  CHECK(st.st_uid == other->uid);

  // Its owner's commands reach it.
  const auto own = run_program(
      "/usr/bin/setpriv", as_nobody({summon_bin(), "ps", "--json", "-p", "ctl"}), nobody_options);
  INFO(describe(own));
  REQUIRE(own.exit_code == 0);
  CHECK(names_in(json::parse(own.out)) == std::set<std::string>{"db", "api"});

  // Root is served on the socket.
  const auto served = raw_exchange(socket, "{\"command\":\"ps\"}\n");
  CHECK(contains(served, "\"ok\":true"));
  CHECK(contains(served, "\"project\":\"ctl\""));
  // root's summon, though, never takes another user's folder for its own
  // state root, even when XDG_RUNTIME_DIR names it: it looks in its own.
  const auto root_ps =
      run_summon({"ps", "-p", "ctl"}, sandbox.options({{"XDG_RUNTIME_DIR", runtime}}));
  INFO(describe(root_ps));
  CHECK(root_ps.exit_code == 3);

  // A third user, let through the folders, is refused by the supervisor.
  std::string third;
  {
    OpenWay open(folders_down_to(runtime, socket), socket);
    third = raw_exchange_as(4242, 4242, socket, "{\"command\":\"down\"}\n");
  }
  CHECK(contains(third, "\"ok\":false"));
  CHECK(contains(third, "refused"));
  const auto said = up.wait_for_line("[summon] refused a control connection from uid 4242");
  REQUIRE(said);
  CHECK(contains(said->text, "only uid 65534 (or root) is served"));
  const auto still = raw_exchange(socket, "{\"command\":\"ps\"}\n");
  CHECK(contains(still, "\"state\":\"ready\""));
  CHECK(starts(sandbox.record(), "db").size() == 1);
  CHECK(starts(sandbox.record(), "api").size() == 1);

  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
  CHECK(std::filesystem::is_empty(runtime + "/summon"));
}

TEST_CASE("a /tmp/summon-UID another user made first is refused, and up runs without a socket") {
  const auto other = nobody();
  if (!other) {
    MESSAGE("not root, or no nobody/nogroup: no other user to be here; case not covered");
    return;
  }
  // The fallback is /tmp itself, not $TMPDIR (every terminal of a user must
  // find the same folder): in a mount namespace of summon's own, a folder
  // of nobody's stands at /tmp/summon-0, as if nobody had made it first.
  Sandbox sandbox;
  const std::string theirs = sandbox.path("theirs");
  REQUIRE(::mkdir(theirs.c_str(), 0700) == 0);
  REQUIRE(::chown(theirs.c_str(), other->uid, other->gid) == 0);
  const std::string fallback = "/tmp/summon-" + std::to_string(::geteuid());
  Background up("/usr/bin/unshare",
                {"--mount", "/bin/sh", "-c",
                 "mkdir -p -m 0700 \"$1\" && mount --bind \"$2\" \"$1\" && exec \"$3\" up \"$4\"",
                 "sh", fallback, theirs, summon_bin(), fixture()},
                sandbox.options({{"XDG_RUNTIME_DIR", "/nonexistent/runtime"}}));
  const auto said = up.wait_for_line("[summon] no control socket: ");
  REQUIRE(said);
  CHECK(contains(said->text, "summon's state folder " + fallback +
                                 " is owned by nobody (uid 65534), not by root (uid 0); it is "
                                 "not used"));
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));
  CHECK(std::filesystem::is_empty(theirs));  // refused, never used
  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
  CHECK(std::filesystem::is_empty(theirs));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

// Task: stale state (SPEC 2.2: state left by a supervisor that died is
// cleaned up by the next command that finds it).
TEST_CASE("after summon's SIGKILL its project is gone: ls, ps and its folder, and up works again") {
  Sandbox sandbox;
  std::string folder;
  {
    auto up = sandbox.up("control.yaml");
    REQUIRE(up.wait_for_line("[summon] ready: 2 services"));
    folder = std::filesystem::path(socket_of(sandbox)).parent_path().string();
    REQUIRE(!folder.empty());
    up.send(SIGKILL);
    CHECK(up.finish().signal == SIGKILL);
  }
  REQUIRE(all_gone(sandbox.record()));

  const auto ls = ask(sandbox, {"ls", "--json"});
  INFO(describe(ls));
  REQUIRE(ls.exit_code == 0);
  CHECK(json::parse(ls.out) == json::array());
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(folder)));
  const auto ps = ask(sandbox, {"ps", fixture()});
  CHECK(ps.exit_code == 3);
  CHECK(contains(ps.err, "is not up"));
  CHECK(ask(sandbox, {"ps", "-p", "ctl"}).exit_code == 3);
  CHECK(std::filesystem::is_empty(sandbox.dir() / "summon"));

  auto again = sandbox.up("control.yaml");
  REQUIRE(again.wait_for_line("[summon] ready: 2 services"));
  const auto db = service_in(ps_json(sandbox), "db");
  CHECK(db["state"] == "ready");
  CHECK(db["pid"].get<pid_t>() == starts(sandbox.record(), "db").at(1));
  again.send(SIGINT);
  CHECK(again.finish().exit_code == 0);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE(
    "two projects side by side: ls lists both, -p reaches each, down of one leaves the other") {
  Sandbox sandbox;
  auto first = sandbox.up("control.yaml");
  auto second = sandbox.up("control_other.yaml");
  REQUIRE(first.wait_for_line("[summon] ready: 2 services"));
  REQUIRE(second.wait_for_line("[summon] ready: 2 services"));

  const auto ls = ask(sandbox, {"ls", "--json"});
  INFO(describe(ls));
  REQUIRE(ls.exit_code == 0);
  const auto listed = json::parse(ls.out);
  REQUIRE(listed.size() == 2);
  for (const auto& project : listed) {
    if (project["name"] == "ctl") {
      CHECK(project["pid"] == first.pid());
    } else {
      CHECK(project["name"] == "ctl-other");
      CHECK(project["pid"] == second.pid());
    }
    CHECK(project["ready"] == 2);
  }

  const auto ps_of = [&](const std::string& name) {
    const auto ps = ask(sandbox, {"ps", "--json", "-p", name});
    INFO(describe(ps));
    REQUIRE(ps.exit_code == 0);
    return json::parse(ps.out);
  };
  CHECK(names_in(ps_of("ctl")) == std::set<std::string>{"db", "api"});
  CHECK(names_in(ps_of("ctl-other")) == std::set<std::string>{"web", "worker"});

  const auto down = ask(sandbox, {"down", "-p", "ctl"});
  INFO(describe(down));
  CHECK(down.exit_code == 0);
  CHECK(contains(down.out, "[summon] ctl is down"));
  CHECK(first.finish().exit_code == 0);
  const auto record = sandbox.record();
  for (const std::string name : {"db", "api"}) CHECK_FALSE(alive(starts(record, name).at(0)));
  for (const std::string name : {"web", "worker"}) CHECK(alive(starts(record, name).at(0)));
  const auto left = ps_of("ctl-other");
  CHECK(service_in(left, "web")["state"] == "ready");
  CHECK(service_in(left, "worker")["state"] == "ready");
  const auto after = json::parse(ask(sandbox, {"ls", "--json"}).out);
  REQUIRE(after.size() == 1);
  CHECK(after[0]["name"] == "ctl-other");

  second.send(SIGINT);
  CHECK(second.finish().exit_code == 0);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

// Task: bash completion (scripts/summon-completion.bash).
namespace {

// What `_summon` offers for `words` (the last one being completed), called
// as bash calls it, in the sandbox with `summon` on PATH as once installed.
std::vector<std::string> complete(const Sandbox& sandbox, const std::vector<std::string>& words) {
  const std::string bin_dir = std::filesystem::path(summon_bin()).parent_path().string();
  const char* path = std::getenv("PATH");
  std::vector<std::string> args{
      "-c",
      "source \"$0\" && COMP_WORDS=(\"$@\") && COMP_CWORD=$(($# - 1)) && _summon && "
      "printf '%s\\n' \"${COMPREPLY[@]}\"",
      source_root("scripts/summon-completion.bash")};
  args.insert(args.end(), words.begin(), words.end());
  const auto run =
      run_program("/bin/bash", args,
                  sandbox.options({{"PATH", bin_dir + ":" + (path ? path : "/usr/bin:/bin")}}));
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  std::vector<std::string> offered;
  std::string line;
  for (std::istringstream lines(run.out); std::getline(lines, line);)
    if (!line.empty()) offered.push_back(line);
  std::sort(offered.begin(), offered.end());
  return offered;
}

bool offers(const std::vector<std::string>& offered, const std::string& word) {
  return std::find(offered.begin(), offered.end(), word) != offered.end();
}

}  // namespace

TEST_CASE("bash completion: commands, options, a file's services, running projects' names") {
  using Words = std::vector<std::string>;
  Sandbox sandbox;
  std::filesystem::copy_file(fixture(), sandbox.path("services.yaml"));

  const auto commands = complete(sandbox, {"summon", ""});
  for (const std::string command : {"check", "plan", "graph", "config", "up", "run", "ps", "logs",
                                    "stop", "start", "restart", "down", "ls"})
    CHECK(offers(commands, command));
  CHECK(complete(sandbox, {"summon", "re"}) == Words{"restart"});

  // The services of ./services.yaml, or of the file on the line.
  CHECK(complete(sandbox, {"summon", "restart", "a"}) == Words{"api"});
  const auto all = complete(sandbox, {"summon", "logs", "-n", "5", ""});
  CHECK(offers(all, "api"));
  CHECK(offers(all, "db"));
  CHECK(offers(all, "services.yaml"));  // the first argument may be the file
  const auto other = runtime_fixture("control_other.yaml");
  CHECK(complete(sandbox, {"summon", "stop", other, "w"}) == Words{"web", "worker"});
  CHECK(complete(sandbox, {"summon", "up", "-f", other, "--quiet", "wo"}) == Words{"worker"});
  CHECK(complete(sandbox, {"summon", "plan", "--file", other, ""}) == Words{"web", "worker"});
  // A file summon cannot compile as it stands is read as text.
  std::ofstream(sandbox.path("broken.yaml"))
      << "services:\n  alpha:\n    command: \"${MISSING:?unset}\"\n  beta:\n"
         "    command: [true]\n    depends_on: [alpha]\n";
  CHECK(complete(sandbox, {"summon", "start", "broken.yaml", ""}) == Words{"alpha", "beta"});

  // Each command's own options.
  const auto logs = complete(sandbox, {"summon", "logs", "-"});
  for (const std::string option : {"-f", "--follow", "--file", "-n", "--lines", "--since", "-t",
                                   "--timestamps", "--no-color", "-p", "--project"})
    CHECK(offers(logs, option));
  CHECK(complete(sandbox, {"summon", "ps", "--j"}) == Words{"--json"});
  CHECK(complete(sandbox, {"summon", "up", "--a"}) == Words{"--abort-on-exit"});
  CHECK(complete(sandbox, {"summon", "down", "--t"}) == Words{"--timeout"});
  CHECK(complete(sandbox, {"summon", "graph", "--format", ""}) == Words{"dot", "mermaid"});
  CHECK(complete(sandbox, {"summon", "config", "--s"}) == Words{"--show-secrets"});
  CHECK(complete(sandbox, {"summon", "ls", ""}).empty());

  // -p: the running projects' names; after it, that project's services.
  auto up = sandbox.up("control_other.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 2 services"));
  CHECK(complete(sandbox, {"summon", "ps", "-p", ""}) == Words{"ctl-other"});
  CHECK(complete(sandbox, {"summon", "restart", "-p", "ctl-other", ""}) == Words{"web", "worker"});
  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
}

}  // namespace summon::testing

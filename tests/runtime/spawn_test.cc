// spawn() and ChildReaper with real processes: what the child gets, and
// what the parent hears when it ends.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/environment.hpp"
#include "loop_helpers.hpp"
#include "runtime/child_reaper.hpp"
#include "runtime/spawn.hpp"

using namespace summon::runtime;

namespace {

struct Ran {
  std::string output;
  int status = -1;
};

// Spawns `request` with its stdout on a pipe, and runs the loop until the
// child has ended and its output is read; fails after 10 s.
Ran run(SpawnRequest request) {
  boost::asio::io_context io;
  ChildReaper reaper(io);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  request.stdout_fd = fds[1];
  if (request.environment.empty()) request.environment = summon::config::process_environment();
  auto spawned = spawn(request);
  ::close(fds[1]);
  if (auto* error = std::get_if<std::string>(&spawned)) {
    ::close(fds[0]);
    FAIL(*error);
  }
  Ran ran;
  reaper.watch(std::get<pid_t>(spawned), [&](int status) { ran.status = status; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ran.status == -1 && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  REQUIRE(ran.status != -1);
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(fds[0], buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR))
    if (got > 0) ran.output.append(buffer, got);
  ::close(fds[0]);
  return ran;
}

std::string spawn_error(SpawnRequest request) {
  boost::asio::io_context io;
  auto spawned = spawn(request);
  auto* error = std::get_if<std::string>(&spawned);
  REQUIRE(error);
  return *error;
}

std::string status_line(const std::string& status, const std::string& key) {
  auto at = status.find(key + ":");
  REQUIRE(at != std::string::npos);
  auto end = status.find('\n', at);
  std::string value = status.substr(at + key.size() + 1, end - at - key.size() - 1);
  value.erase(0, value.find_first_not_of(" \t"));
  return value;
}

}  // namespace

TEST_CASE("the child runs the program with the given environment and its exit code comes back") {
  SpawnRequest request;
  request.argv = {"sh", "-c", "echo \"$GREETING\"; exit 3"};
  request.environment = {{"PATH", "/usr/bin:/bin"}, {"GREETING", "hello"}};
  auto ran = run(request);
  CHECK(ran.output == "hello\n");
  REQUIRE(WIFEXITED(ran.status));
  CHECK(WEXITSTATUS(ran.status) == 3);
}

TEST_CASE("the child sets pid_variable to its own pid, in place of any the environment has") {
  SpawnRequest request;
  request.argv = {"sh", "-c", "echo \"$WATCHDOG_PID\"; echo $$"};
  request.environment = {{"PATH", "/usr/bin:/bin"}, {"WATCHDOG_PID", "1"}};
  request.pid_variable = "WATCHDOG_PID";
  const std::string output = run(request).output;
  const auto newline = output.find('\n');
  REQUIRE(newline != std::string::npos);
  CHECK(output.substr(0, newline) != "1");
  CHECK(output.substr(0, newline + 1) == output.substr(newline + 1));
}

TEST_CASE("argv[0] is passed as written, not as the path found") {
  SpawnRequest request;
  request.argv = {"sh", "-c", "echo $0"};
  CHECK(run(request).output == "sh\n");
}

TEST_CASE("the child leads its own session and process group") {
  SpawnRequest request;
  request.argv = {"sh", "-c", "cut -d' ' -f1,5,6 /proc/$$/stat"};
  auto fields = run(request).output;
  auto pid = fields.substr(0, fields.find(' '));
  CHECK(fields == pid + " " + pid + " " + pid + "\n");
}

TEST_CASE("the child starts with default signal dispositions and an empty mask") {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe {}, old_int {};
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  ::sigaction(SIGINT, &ignore, &old_int);
  sigset_t block, old_mask;
  ::sigemptyset(&block);
  ::sigaddset(&block, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &block, &old_mask);

  SpawnRequest request;
  request.argv = {"cat", "/proc/self/status"};
  auto status = run(request).output;

  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  CHECK(status_line(status, "SigIgn") == "0000000000000000");
  CHECK(status_line(status, "SigBlk") == "0000000000000000");
}

TEST_CASE("the child gets stdin from /dev/null and no descriptor but those handed over") {
  int leaked = ::open("/dev/null", O_RDONLY);  // not close-on-exec: must not leak anyway
  int extra[2];
  REQUIRE(::pipe2(extra, O_CLOEXEC) == 0);
  SpawnRequest request;
  request.extra_fds = {{7, extra[1]}};
  // ls's own listing: 3 is the folder it opened to list itself.
  request.argv = {"ls", "/proc/self/fd"};
  CHECK(run(request).output == "0\n1\n2\n3\n7\n");
  request.argv = {"readlink", "/proc/self/fd/0"};
  CHECK(run(request).output == "/dev/null\n");
  request.argv = {"sh", "-c", "echo x >&7"};
  run(request);
  ::close(extra[1]);
  char byte = 0;
  CHECK(::read(extra[0], &byte, 1) == 1);
  CHECK(byte == 'x');
  ::close(extra[0]);
  ::close(leaked);
}

TEST_CASE("the child runs in the given folder") {
  SpawnRequest request;
  request.argv = {"pwd"};
  request.cwd = "/usr/share";
  CHECK(run(request).output == "/usr/share\n");
}

TEST_CASE("a relative program path is found from the child's folder") {
  SpawnRequest request;
  request.argv = {"./true"};
  request.cwd = "/bin";
  CHECK(WEXITSTATUS(run(request).status) == 0);
}

TEST_CASE("what cannot start says why, as a user reads it") {
  SpawnRequest request;
  request.environment = {{"PATH", "/usr/bin:/bin"}};
  request.argv = {"no-such-program-here"};
  CHECK(spawn_error(request) == "no-such-program-here: command not found in PATH");
  request.argv = {"./api"};
  request.cwd = "/tmp";
  CHECK(spawn_error(request) == "./api: No such file or directory");
  request.cwd = "/no/such/folder";
  CHECK(spawn_error(request) == "cwd /no/such/folder: No such file or directory");
  request.cwd = "";
  request.argv = {"/etc/passwd"};
  CHECK(spawn_error(request) == "/etc/passwd: Permission denied");
  request.argv = {"true"};
  request.user = "no-such-user-here";
  CHECK(spawn_error(request) == "user no-such-user-here: no such user");
}

TEST_CASE("a script whose interpreter is missing, and a folder, are named for what they are") {
  summon::test::TempDir dir;
  {
    std::ofstream script(dir / "job.sh");
    script << "#!/no/such/interpreter -e\necho hi\n";
  }
  std::filesystem::permissions(dir / "job.sh", std::filesystem::perms::owner_all);
  std::filesystem::create_directory(dir / "app");
  SpawnRequest request;
  request.cwd = dir.path;
  request.argv = {"./job.sh"};
  CHECK(spawn_error(request) == "./job.sh: its interpreter /no/such/interpreter is missing");
  request.argv = {"./app"};
  CHECK(spawn_error(request) == "./app: is a folder, not a program");
  request.argv = {dir / "app"};
  CHECK(spawn_error(request) == dir / "app" + ": is a folder, not a program");
}

TEST_CASE("the reaper also reaps orphans that come back to it as subreaper") {
  boost::asio::io_context io;
  ChildReaper reaper(io);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  SpawnRequest request;
  request.environment = summon::config::process_environment();
  request.argv = {"sh", "-c", "sh -c 'echo $$; exec sleep 0.05' & exit 0"};
  request.stdout_fd = fds[1];
  auto spawned = spawn(request);
  ::close(fds[1]);
  REQUIRE(std::holds_alternative<pid_t>(spawned));
  bool main_ended = false;
  reaper.watch(std::get<pid_t>(spawned), [&](int) { main_ended = true; });
  char buffer[64] = {};
  ssize_t got;
  do got = ::read(fds[0], buffer, sizeof buffer - 1);
  while (got < 0 && errno == EINTR);  // the reaper's SIGCHLD handler interrupts it
  REQUIRE(got > 0);
  ::close(fds[0]);
  const pid_t orphan = std::stoi(buffer);
  int rounds = 0;
  reaper.set_on_reaped([&] { ++rounds; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!main_ended || ::kill(orphan, 0) == 0) && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  CHECK(main_ended);
  CHECK(::kill(orphan, 0) == -1);  // reaped, not a zombie
  CHECK(rounds >= 1);
}

namespace {

// A program named `name` in folder `folder` that prints `text`; `mode` 0644
// makes it a file that cannot run.
void write_program(const std::string& folder, const std::string& name, const std::string& text,
                   mode_t mode = 0755) {
  std::filesystem::create_directories(folder);
  const std::string file = folder + "/" + name;
  std::ofstream(file) << "#!/bin/sh\necho " << text << "\n";
  REQUIRE(::chmod(file.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("a bare program name is found in the PATH the request gives") {
  summon::test::TempDir dir;
  write_program(dir / "bin", "greet", "hello-from-greet");
  SpawnRequest request;
  request.argv = {"greet"};
  request.environment = {{"PATH", dir / "bin" + ":/usr/bin:/bin"}};
  CHECK(run(request).output == "hello-from-greet\n");
}

TEST_CASE("a bare program name in no PATH folder is a command not found") {
  summon::test::TempDir dir;
  SpawnRequest request;
  request.argv = {"greet"};
  request.environment = {{"PATH", dir.path + ":" + dir / "missing"}};
  CHECK(spawn_error(request) == "greet: command not found in PATH");
  // Nothing is left to reap: spawn() reaped the child that could not exec.
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("a PATH folder whose file cannot run is passed over for a later one") {
  summon::test::TempDir dir;
  write_program(dir / "first", "greet", "first", 0644);
  write_program(dir / "later", "greet", "later");
  SpawnRequest request;
  request.argv = {"greet"};
  request.environment = {{"PATH", dir / "first" + ":" + dir / "later"}};
  CHECK(run(request).output == "later\n");
  // Only files that cannot run: that is what the user hears.
  request.environment = {{"PATH", dir / "first"}};
  CHECK(spawn_error(request) == "greet: Permission denied");
}

TEST_CASE("an empty PATH entry is the child's own folder") {
  summon::test::TempDir dir;
  write_program(dir.path, "greet", "here");
  SpawnRequest request;
  request.argv = {"greet"};
  request.cwd = dir.path;
  request.environment = {{"PATH", "/usr/bin::/bin"}};
  CHECK(run(request).output == "here\n");
}

TEST_CASE("a service run as another user finds its program where that user can") {
  if (::geteuid() != 0) return;  // only root may run a service as another user
  summon::test::TempDir dir;
  REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
  // Under a folder only root may enter: `nobody` cannot run this one.
  write_program(dir / "private/bin", "whoami-test", "private");
  REQUIRE(::chmod((dir / "private").c_str(), 0700) == 0);
  write_program(dir / "public/bin", "whoami-test", "public-$(id -u)");
  REQUIRE(::chmod((dir / "public").c_str(), 0755) == 0);
  SpawnRequest request;
  request.argv = {"whoami-test"};
  request.environment = {
      {"PATH", dir / "private/bin" + ":" + dir / "public/bin" + ":/usr/bin:/bin"}};
  request.user = "nobody";
  request.cwd = "/";
  CHECK(run(request).output == "public-65534\n");
  CHECK(::geteuid() == 0);
  CHECK(::getegid() == 0);
}

// The guardian after summon's death: the run's state folder goes too, and
// nothing that is not summon's own, or not summon's to remove, goes with it.
#include "runtime/guardian.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "control/state_folder.hpp"
#include "runtime/run_mark.hpp"

using namespace summon;
namespace fs = std::filesystem;

namespace {

// A state root as user_state_root() makes it: 0700, ours.
struct Root {
  Root() {
    std::string pattern = (fs::temp_directory_path() / "summon-guardian-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    top = pattern;
    path = top + "/summon";
    REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  }
  ~Root() {
    std::error_code ignored;
    fs::remove_all(top, ignored);
  }
  Root(const Root&) = delete;
  Root& operator=(const Root&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }

  std::string top;   // a private temporary folder
  std::string path;  // top/summon
};

control::ProjectInfo info_of(pid_t pid) {
  return control::ProjectInfo{"shop", "/srv/shop/services.yaml", pid, false,
                              "2026-12-02T02:30:00.000Z"};
}

// A Unix socket bound at `path`, as the control socket is (then left open).
void bind_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 1) != 0)
    ::_exit(3);
}

// A stand-in for summon, forked: makes its project's folder in `root` (with
// a bound control.sock), starts its guardian, tells it of `tracked` (its own
// folder when empty), and waits. The guardian's pid comes back on a pipe.
struct Supervisor {
  Supervisor(const Root& root, std::vector<std::string> tracked) {
    int report[2], hold[2];
    REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
    folder = root / "shop-0123456789abcdef";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(report[0]);
      ::close(hold[1]);
      try {
        auto made =
            control::StateFolder::create(root.path, "shop-0123456789abcdef", info_of(::getpid()));
        if (!std::holds_alternative<control::StateFolder>(made)) ::_exit(2);
        auto& state = std::get<control::StateFolder>(made);
        bind_socket(state.socket_path());
        runtime::Guardian guardian(runtime::new_run_id(), runtime::RunIdentity::now({}));
        if (tracked.empty()) tracked.push_back(state.path());
        for (const auto& path : tracked) guardian.track_state_folder(path);
        const pid_t guardian_pid = guardian.pid();
        if (::write(report[1], &guardian_pid, sizeof guardian_pid) != sizeof guardian_pid)
          ::_exit(4);
        char byte;
        // Until told to end (a clean end), or killed.
        while (::read(hold[0], &byte, 1) < 0 && errno == EINTR) {
        }
      } catch (...) {
        ::_exit(5);
      }
      ::_exit(0);  // ~Guardian said "q"; the folder is left as a clean end leaves it
    }
    ::close(report[1]);
    ::close(hold[0]);
    release = hold[1];
    pid_t got = -1;
    const bool reported = ::read(report[0], &got, sizeof got) == sizeof got;
    ::close(report[0]);
    REQUIRE(reported);
    guardian = got;
    guardian_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, guardian, 0));
    REQUIRE(guardian_pidfd >= 0);
  }
  ~Supervisor() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (release >= 0) ::close(release);
    if (guardian_pidfd >= 0) ::close(guardian_pidfd);
  }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // SIGKILL, as summon may be killed.
  void kill() {
    REQUIRE(::kill(pid, SIGKILL) == 0);
    ::waitpid(std::exchange(pid, -1), nullptr, 0);
  }
  // A clean end: summon's Guardian is destroyed, which also reaps it.
  int end() {
    ::close(std::exchange(release, -1));
    int status = 0;
    ::waitpid(std::exchange(pid, -1), &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // Whether the guardian has ended within 10 s.
  bool guardian_done() const {
    pollfd polled{guardian_pidfd, POLLIN, 0};
    return ::poll(&polled, 1, 10'000) == 1;
  }

  std::string folder;  // its project folder
  pid_t pid = -1;
  pid_t guardian = -1;
  int guardian_pidfd = -1;
  int release = -1;
};

}  // namespace

TEST_CASE("when summon is killed, its guardian removes the project's state folder") {
  Root root;
  Supervisor summon(root, {});
  REQUIRE(fs::exists(summon.folder + "/control.sock"));
  REQUIRE(fs::exists(summon.folder + "/info.json"));
  summon.kill();
  REQUIRE(summon.guardian_done());
  CHECK_FALSE(fs::exists(fs::symlink_status(summon.folder)));
  CHECK(fs::is_directory(root.path));  // the root is the user's, not the run's
  CHECK(control::list_projects(root.path).empty());
}

TEST_CASE("a clean end leaves the state folder to summon: the guardian removes nothing") {
  Root root;
  Supervisor summon(root, {});
  CHECK(summon.end() == 0);
  REQUIRE(summon.guardian_done());
  CHECK(fs::exists(summon.folder + "/info.json"));
}

TEST_CASE("the guardian removes only summon's files: anything else keeps the folder") {
  Root root;
  Supervisor summon(root, {});
  std::ofstream(summon.folder + "/notes.txt") << "mine\n";
  summon.kill();
  REQUIRE(summon.guardian_done());
  CHECK(fs::exists(summon.folder + "/notes.txt"));
  CHECK_FALSE(fs::exists(fs::symlink_status(summon.folder + "/control.sock")));
  CHECK_FALSE(fs::exists(summon.folder + "/info.json"));
}

TEST_CASE("the guardian leaves a folder whose lock a live supervisor holds") {
  Root root;
  // Another project's supervisor, alive: this test process.
  auto other =
      control::StateFolder::create(root.path, "other-fedcba9876543210", info_of(::getpid()));
  REQUIRE(std::holds_alternative<control::StateFolder>(other));
  const std::string held = std::get<control::StateFolder>(other).path();
  Supervisor summon(root, {held, root / "shop-0123456789abcdef"});
  summon.kill();
  REQUIRE(summon.guardian_done());
  CHECK_FALSE(fs::exists(summon.folder));  // its own went: the guardian did act
  CHECK(fs::exists(held + "/info.json"));
  std::get<control::StateFolder>(other).remove();
}

TEST_CASE("the guardian follows no symbolic link, at the end of the path or on the way") {
  Root root;
  // A stale project folder (ours, unlocked, holding what summon's folders
  // hold), which only a link may name here: it must stay.
  const std::string victim = root / "victim-0123456789abcdef";
  REQUIRE(::mkdir(victim.c_str(), 0700) == 0);
  std::ofstream(victim + "/info.json") << "{}\n";
  REQUIRE(::symlink(victim.c_str(), (root / "link").c_str()) == 0);
  REQUIRE(::symlink(root.path.c_str(), (root.top + "/root-link").c_str()) == 0);
  Supervisor summon(root, {root / "link", root.top + "/root-link/victim-0123456789abcdef",
                           root / "shop-0123456789abcdef"});
  summon.kill();
  REQUIRE(summon.guardian_done());
  CHECK_FALSE(fs::exists(summon.folder));  // its own went: the guardian did act
  CHECK(fs::exists(victim + "/info.json"));
  CHECK(fs::is_symlink(root / "link"));
}

// What a service's processes use, read from real processes: a child that
// burns some CPU and touches some memory in a process group of its own (and,
// where the machine has a writable cgroup v2 tree, in a leaf of its own).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroups.hpp"
#include "runtime/resource_usage.hpp"

using summon::runtime::cgroup_usage;
using summon::runtime::CgroupTree;
using summon::runtime::process_group_usage;
using summon::runtime::ResourceUsage;
using summon::runtime::service_leaf_name;
using summon::runtime::usage_of;
using summon::runtime::UsageQuery;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t touched = 16 << 20;
constexpr auto burned = 50ms;

// A child leading its own process group (in cgroup folder `cgroup`, if
// given) that has used at least `burned` of CPU and holds `touched` bytes
// resident once the constructor returns; killed and reaped with the object.
class Burner {
 public:
  explicit Burner(const std::string& cgroup = {}) {
    int ready[2];
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::setpgid(0, 0);
      if (!cgroup.empty()) {
        const int procs = ::open((cgroup + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (procs < 0 || ::write(procs, "0", 1) != 1) ::_exit(1);
        ::close(procs);
      }
      timespec used{};
      do ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
      while (used.tv_sec == 0 && used.tv_nsec < std::chrono::nanoseconds(burned).count());
      // Written through volatile, page by page: a plain memset of memory
      // nobody reads may be left out altogether.
      auto* memory = static_cast<volatile char*>(::malloc(touched));
      if (!memory) ::_exit(1);
      for (std::size_t at = 0; at < touched; at += 1024) memory[at] = 1;
      if (::write(ready[1], "r", 1) != 1) ::_exit(1);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char byte = 0;
    ssize_t got;
    do got = ::read(ready[0], &byte, 1);
    while (got < 0 && errno == EINTR);
    ::close(ready[0]);
    REQUIRE_MESSAGE(got == 1, "the child could not set itself up");
  }
  ~Burner() { end(); }
  Burner(const Burner&) = delete;
  Burner& operator=(const Burner&) = delete;

  pid_t pid() const { return pid_; }
  /// Kills and reaps it.
  void end() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

void check_busy(const std::optional<ResourceUsage>& usage) {
  REQUIRE(usage);
  CHECK(usage->cpu > 0ns);
  CHECK(usage->memory_bytes >= touched);
}

// No process has this number: it is above any pid_max (2^22).
constexpr pid_t no_group = 0x7ffffff0;

}  // namespace

TEST_CASE("a process group's CPU time and resident memory come from /proc") {
  Burner burner;
  const std::vector<pid_t> groups = {burner.pid(), no_group};
  const auto usage = process_group_usage(groups);
  REQUIRE(usage.size() == 2);
  check_busy(usage[0]);
  CHECK_FALSE(usage[1]);
  CHECK(process_group_usage({}).empty());
}

TEST_CASE("a process group of only a zombie uses nothing") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::_exit(0);
  }
  // Ended but not reaped: a zombie, which /proc still lists.
  siginfo_t info{};
  REQUIRE(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);
  const std::vector<pid_t> groups = {pid};
  CHECK_FALSE(process_group_usage(groups).at(0));
  ::waitpid(pid, nullptr, 0);
}

TEST_CASE("a service that does not run uses nothing; one without a leaf is read from /proc") {
  const CgroupTree cgroups;
  Burner burner;
  const std::vector<UsageQuery> services = {
      {"idle", std::nullopt}, {"burner", burner.pid()}, {"gone", no_group}};
  const auto usage = usage_of(cgroups, services);
  REQUIRE(usage.size() == 3);
  CHECK_FALSE(usage[0]);
  check_busy(usage[1]);
  CHECK_FALSE(usage[2]);
}

TEST_CASE("a service with a cgroup leaf is read from it, and uses nothing once it is empty") {
  const CgroupTree cgroups;
  if (!cgroups.enabled()) {
    MESSAGE("no cgroup tree here (SUMMON_NO_CGROUP, or none writable): case not covered");
    return;
  }
  const auto leaf = cgroups.leaf(service_leaf_name("burner"));
  REQUIRE(leaf);
  CHECK_FALSE(cgroup_usage(leaf->path()));  // nothing in it yet

  Burner burner(leaf->path());
  REQUIRE(leaf->contains(burner.pid()));
  check_busy(cgroup_usage(leaf->path()));
  const std::vector<UsageQuery> services = {{"burner", burner.pid()}};
  check_busy(usage_of(cgroups, services).at(0));

  burner.end();
  CHECK_FALSE(cgroup_usage(leaf->path()));
  CHECK_FALSE(usage_of(cgroups, services).at(0));
  CHECK_FALSE(cgroup_usage(leaf->path() + "/no-such-leaf"));
}

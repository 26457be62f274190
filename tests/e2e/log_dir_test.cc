// `--log-dir` (SPEC 2.2, 3.5): log files hold exactly the bytes a service
// wrote, are appended to, are never written through a link or into a file or
// folder of another user, and every loss is said once among summon's lines.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "sandbox.hpp"

namespace summon::testing {

namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The lines of `out` that contain `part`.
std::vector<std::string> lines_with(const std::string& out, const std::string& part) {
  std::vector<std::string> found;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(part) != std::string::npos) found.push_back(line);
  return found;
}

bool is_root() {
  return ::geteuid() == 0;
}

const passwd& nobody() {
  const passwd* user = ::getpwnam("nobody");
  REQUIRE(user != nullptr);
  return *user;
}

// `exact` of logs.yaml writes `input`; the folder is `--log-dir`.
RunResult run_logs(const Sandbox& sandbox, const std::string& input, const std::string& folder) {
  write_file(sandbox.path("input"), input);
  return sandbox.run("logs.yaml", {"--log-dir", folder, "--", "true"});
}

}  // namespace

TEST_CASE("a log file holds exactly the bytes the service wrote") {
  Sandbox sandbox;
  const std::string input = "a CRLF line\r\n" + std::string("a bare \r inside\n") +
                            std::string(70 * 1024, 'x') + "\n" + "\xc3\xa9t\xc3\xa9\r\n" +
                            "a last line without newline";
  auto run = run_logs(sandbox, input, sandbox.path("logs"));
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  const auto logged = read_file(sandbox.path("logs/exact.log"));
  CHECK(logged.size() == input.size());
  CHECK(logged == input);
  CHECK(read_file(sandbox.path("logs/after.log")).empty());
}

TEST_CASE("log files are appended to: two runs with one folder leave both runs' output") {
  Sandbox sandbox;
  const auto logs = sandbox.path("logs");
  auto first = run_logs(sandbox, "from the first run\n", logs);
  INFO(describe(first));
  REQUIRE(first.exit_code == 0);
  auto second = run_logs(sandbox, "from the second run\n", logs);
  INFO(describe(second));
  REQUIRE(second.exit_code == 0);
  CHECK(read_file(logs + "/exact.log") == "from the first run\nfrom the second run\n");
}

TEST_CASE("a symlink in the log folder is not followed: its target stays as it was") {
  Sandbox sandbox;
  // A shared folder as /tmp is: sticky, anyone may add names to it.
  const auto shared = sandbox.path("shared");
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  const auto victim = sandbox.path("victim");
  write_file(victim, "root's secret\n");
  fs::permissions(victim, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directory(sandbox.path("cron.d"));
  const auto planted = sandbox.path("cron.d/x");

  // Another user plants the links, where summon runs as root.
  if (is_root()) fs::permissions(sandbox.dir(), fs::perms::others_exec, fs::perm_options::add);
  for (const auto& [target, link] :
       {std::pair{victim, shared + "/exact.log"}, std::pair{planted, shared + "/after.log"}}) {
    if (!is_root()) {
      fs::create_symlink(target, link);
      continue;
    }
    auto ln = run_program("/usr/bin/setpriv", {"--reuid=nobody", "--regid=nogroup",
                                               "--clear-groups", "ln", "-s", target, link});
    INFO(describe(ln));
    REQUIRE(ln.exit_code == 0);
    struct stat st {};
    REQUIRE(::lstat(link.c_str(), &st) == 0);
    REQUIRE(st.st_uid == nobody().pw_uid);
  }

  auto run = run_logs(sandbox, "service output\n", shared);
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(read_file(victim) == "root's secret\n");
  CHECK((fs::status(victim).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK_FALSE(fs::exists(fs::symlink_status(planted)));
  CHECK(fs::is_symlink(shared + "/exact.log"));
  for (const char* name : {"exact", "after"}) {
    CAPTURE(name);
    const auto said = lines_with(run.out, std::string("[summon] ") + name + ": log file");
    REQUIRE(said.size() == 1);
    CHECK(said[0] == fmt::format("[summon] {}: log file {}/{}.log: is a symbolic link, not "
                                 "followed; its output is not written",
                                 name, shared, name));
  }
  // The service ran all the same.
  CHECK(lines_with(run.out, "exact | service output").size() == 1);
}

TEST_CASE("a log folder another user can write, owns, or reaches by a link is refused") {
  Sandbox sandbox;
  const auto logs = sandbox.path("logs");
  fs::create_directory(logs);
  std::string given = logs;
  std::string reason;
  SUBCASE("writable by others, not sticky") {
    fs::permissions(logs, fs::perms::all);
    reason = "can be written by other users (mode 0777) and is not sticky";
  }
  SUBCASE("writable by its group") {
    fs::permissions(logs, fs::perms::owner_all | fs::perms::group_all);
    reason = "can be written by other users (mode 0770) and is not sticky";
  }
  SUBCASE("a symlink to a good folder") {
    given = sandbox.path("link");
    fs::create_directory_symlink(logs, given);
    reason = "is a symbolic link; give the folder itself";
    given += "/";  // a trailing slash must not make it followed
  }
  SUBCASE("owned by nobody") {
    if (!is_root()) return;  // only root gives a folder away
    REQUIRE(::chown(logs.c_str(), nobody().pw_uid, nobody().pw_gid) == 0);
    reason = "is owned by nobody (uid " + std::to_string(nobody().pw_uid) + "), not by ";
  }

  auto run = run_logs(sandbox, "must not run\n", given);
  INFO(describe(run));
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("summon: error: --log-dir " + given + ": " + reason) != std::string::npos);
  CHECK(run.out.find("started") == std::string::npos);
  CHECK(fs::is_empty(logs));
}

// Another user's link or folder on the way would let them choose where a
// root summon makes folders and writes files.
TEST_CASE("a log folder behind another user's link or folder is refused, and nothing is made") {
  if (!is_root()) return;  // another user's files need root to make
  Sandbox sandbox;
  const auto shared = sandbox.path("shared");
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  fs::permissions(sandbox.dir(), fs::perms::others_exec, fs::perm_options::add);
  const auto victim = sandbox.path("victim");
  fs::create_directory(victim);
  std::string given, reason;
  SUBCASE("a link of nobody's on the way") {
    auto ln = run_program("/usr/bin/setpriv", {"--reuid=nobody", "--regid=nogroup",
                                               "--clear-groups", "ln", "-s", victim,
                                               shared + "/proj"});
    INFO(describe(ln));
    REQUIRE(ln.exit_code == 0);
    given = shared + "/proj/logs";
    reason = "lies behind " + shared + "/proj, a symbolic link owned by nobody";
  }
  SUBCASE("a folder of nobody's on the way") {
    const auto theirs = shared + "/proj";
    fs::create_directory(theirs);
    REQUIRE(::chown(theirs.c_str(), nobody().pw_uid, nobody().pw_gid) == 0);
    given = theirs + "/logs";
    reason = "lies in " + theirs + ", which is owned by nobody";
  }
  auto run = run_logs(sandbox, "must not run\n", given);
  INFO(describe(run));
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("summon: error: --log-dir " + given + ": " + reason) != std::string::npos);
  CHECK(fs::is_empty(victim));
}

TEST_CASE("a log file of another user is not written, and that is said once") {
  if (!is_root()) return;  // only root gives a file away
  Sandbox sandbox;
  const auto logs = sandbox.path("logs");
  fs::create_directory(logs);
  const auto theirs = logs + "/exact.log";
  write_file(theirs, "their own lines\n");
  REQUIRE(::chown(theirs.c_str(), nobody().pw_uid, nobody().pw_gid) == 0);

  auto run = run_logs(sandbox, std::string(200 * 1024, 'y'), logs);
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(read_file(theirs) == "their own lines\n");
  const auto said = lines_with(run.out, "log file");
  REQUIRE(said.size() == 1);
  CHECK(said[0] == fmt::format("[summon] exact: log file {}: is owned by nobody (uid {}), not by "
                               "summon's user root (uid 0); its output is not written",
                               theirs, nobody().pw_uid));
}

TEST_CASE("a full disk under the log folder is said once, and the run goes on") {
  if (!is_root()) return;  // mounting a small tmpfs takes root
  Sandbox sandbox;
  const auto logs = sandbox.path("logs");
  fs::create_directory(logs);
  write_file(sandbox.path("input"), std::string(300 * 1024, 'z'));
  // In a mount namespace of its own, so the tmpfs goes with the run.
  auto run = run_program(
      "/usr/bin/unshare",
      {"--mount", "sh", "-c",
       "mount -t tmpfs -o size=16k,mode=0755 tmpfs \"$0\" || exit 77; exec \"$@\"", logs,
       summon_bin(), "run", runtime_fixture("logs.yaml"), "--log-dir", logs, "--", "true"},
      sandbox.options());
  INFO(describe(run));
  if (run.exit_code == 77) return;  // no mounts here (a container without CAP_SYS_ADMIN)
  CHECK(run.exit_code == 0);
  const auto said = lines_with(run.out, "log file");
  REQUIRE(said.size() == 1);
  CHECK(said[0] == "[summon] exact: log file " + logs +
                       "/exact.log: No space left on device; its output from now on is not "
                       "written");
  CHECK(run.out.find("[summon] ready: 2 services in ") != std::string::npos);
}

TEST_CASE("--log-max-size rotates at a line's end and --log-keep keeps that many old files") {
  Sandbox sandbox;
  std::string input;
  for (int n = 1; n <= 300; ++n) input += fmt::format("line {} of the output\n", n);
  const std::string folder = sandbox.path("logs");
  write_file(sandbox.path("input"), input);
  auto run = sandbox.run("logs.yaml", {"--log-dir", folder, "--log-max-size", "2K",
                                       "--log-keep", "2", "--", "true"});
  INFO(describe(run));
  REQUIRE(run.exit_code == 0);
  const std::string newest = read_file(folder + "/exact.log");
  const std::string older = read_file(folder + "/exact.log.1");
  const std::string oldest = read_file(folder + "/exact.log.2");
  CHECK_FALSE(fs::exists(folder + "/exact.log.3"));
  for (const auto* file : {&newest, &older, &oldest}) {
    CHECK(file->size() <= 2048);
    CHECK(!file->empty());
    CHECK(file->back() == '\n');  // cut at a line's end
  }
  // Together, the last of the output, in order and whole.
  const std::string kept = oldest + older + newest;
  CHECK(input.size() - kept.size() > 0);
  CHECK(input.substr(input.size() - kept.size()) == kept);
  CHECK(fs::status(folder + "/exact.log.1").permissions() ==
        (fs::perms::owner_read | fs::perms::owner_write));

  auto bad = sandbox.run("logs.yaml", {"--log-max-size", "10M", "--", "true"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--log-max-size '10M': needs --log-dir") != std::string::npos);
}

}  // namespace summon::testing

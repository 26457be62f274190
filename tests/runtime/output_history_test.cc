// OutputHistory: the tail over every start, and one log file for them all,
// opened once, appended to, with a marker line at each restart.
#include "runtime/output_history.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/load_helpers.hpp"

using summon::runtime::LogFolder;
using summon::runtime::OutputHistory;
using summon::runtime::restart_marker;
using summon::runtime::Stream;
using summon::testing::read_text;
using summon::testing::TempDir;

namespace {

// 2026-12-01T23:04:05Z
const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1796166245));

std::vector<std::string> texts(const OutputHistory& history) {
  std::vector<std::string> out;
  for (const auto& line : history.tail()) out.push_back(line.text);
  return out;
}

struct Logged {
  Logged() {
    std::string refused;
    folder = LogFolder::open(dir.path().string(), refused);
    REQUIRE_MESSAGE(folder, refused);
  }
  std::string file() const { return read_text(dir.file("api.log")); }

  TempDir dir;
  std::shared_ptr<const LogFolder> folder;
  OutputHistory history;
};

}  // namespace

TEST_CASE("the marker names the restart and the time, in UTC") {
  CHECK(restart_marker(2, at) == "--- summon: restart 2 at 2026-12-01T23:04:05Z ---\n");
}

TEST_CASE("the tail keeps the last lines, oldest first, with their streams") {
  OutputHistory history;
  std::vector<std::string> lines;
  for (int n = 0; n < 25; ++n) lines.push_back(std::to_string(n));
  std::vector<std::string_view> views(lines.begin(), lines.end());
  history.keep(Stream::out, views);
  std::string_view last[] = {"on stderr"};
  history.keep(Stream::err, last);
  const auto tail = history.tail();
  REQUIRE(tail.size() == OutputHistory::tail_lines);
  CHECK(tail.front().text == "6");
  CHECK(tail.back().text == "on stderr");
  CHECK(tail.back().stream == Stream::err);
}

TEST_CASE("the first start opens the file without a marker; each later one marks its start") {
  Logged l;
  CHECK_FALSE(l.history.begin_start(l.folder.get(), "api.log", at));
  CHECK_FALSE(l.history.log("one\n"));
  CHECK_FALSE(l.history.begin_start(l.folder.get(), "api.log", at));
  CHECK_FALSE(l.history.log("two\n"));
  CHECK_FALSE(l.history.begin_start(l.folder.get(), "api.log", at));
  CHECK(l.file() ==
        "one\n--- summon: restart 1 at 2026-12-01T23:04:05Z ---\n"
        "two\n--- summon: restart 2 at 2026-12-01T23:04:05Z ---\n");
  CHECK(l.history.starts() == 3);
}

TEST_CASE("a start that ended without a newline still gets the marker on a line of its own") {
  Logged l;
  l.history.begin_start(l.folder.get(), "api.log", at);
  l.history.log("no newline");
  l.history.begin_start(l.folder.get(), "api.log", at);
  CHECK(l.file() == "no newline\n--- summon: restart 1 at 2026-12-01T23:04:05Z ---\n");
}

TEST_CASE("the file is appended to, never truncated") {
  Logged l;
  std::ofstream(l.dir.file("api.log")) << "from before\n";
  l.history.begin_start(l.folder.get(), "api.log", at);
  l.history.log("now\n");
  CHECK(l.file() == "from before\nnow\n");
}

TEST_CASE("a refused file is said once, and no start writes to it") {
  Logged l;
  std::filesystem::create_symlink("/dev/null", l.dir.file("api.log"));
  auto refused = l.history.begin_start(l.folder.get(), "api.log", at);
  REQUIRE(refused);
  CHECK(refused->find("is a symbolic link") != std::string::npos);
  CHECK_FALSE(l.history.log("lost\n"));
  CHECK_FALSE(l.history.begin_start(l.folder.get(), "api.log", at));
}

TEST_CASE("without a log folder only the tail is kept") {
  OutputHistory history;
  CHECK_FALSE(history.begin_start(nullptr, "api.log", at));
  CHECK_FALSE(history.log("bytes\n"));
  CHECK(texts(history).empty());
}

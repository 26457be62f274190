// Hostile input (SPEC 3.4): whatever the file, a clear error, exit 2, no crash,
// bounded memory. Each run's time and peak RSS are printed; per the project's
// rule a test never fails on timing.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

namespace {

namespace fs = std::filesystem;

constexpr long memory_bound_kib = 500 * 1024;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `summon check FILE` from `dir`, and reports how long it took and how much memory it used.
RunResult check(const std::string& dir, const std::string& file) {
  auto run = run_summon({"check", file}, in_folder(dir));
  MESSAGE(file << ": " << run.summary());
  CHECK_FALSE(run.timed_out);
  CHECK(run.signal == 0);
  CHECK(run.peak_rss_kib < memory_bound_kib);
  return run;
}

// The first line summon printed on stderr.
std::string first_error(const RunResult& run) {
  return run.err.substr(0, run.err.find('\n'));
}

// Writes `lines` copies of `line` after `head`, in one pass, to dir/name.
std::string write_repeated(const TempDir& dir, const std::string& name, const std::string& head,
                           const std::string& line, std::size_t lines) {
  auto path = dir.path() / name;
  std::ofstream out(path, std::ios::binary);
  out << head;
  for (std::size_t i = 0; i < lines; ++i) out << line;
  return path.string();
}

}  // namespace

TEST_CASE("every case in tests/hostile/ has its expected answer") {
  // Files a case includes or extends live in included/, which is no case.
  for (const auto& entry : fs::directory_iterator(tests_dir("hostile"))) {
    if (entry.path().extension() != ".yaml") continue;
    CAPTURE(entry.path().string());
    CHECK(fs::exists(fs::path(entry.path()).replace_extension(".expected")));
  }
}

TEST_CASE("every file in tests/hostile/ gets exactly its expected answer") {
  auto dir = tests_dir("hostile");
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".expected") cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 20);

  for (const auto& expected_path : cases) {
    // NAME.expected answers for NAME.yaml, or for a Procfile named NAME.
    auto stem = expected_path.stem().string();
    auto input = stem.starts_with("Procfile.") ? stem : stem + ".yaml";
    CAPTURE(input);
    auto expected = read_file(expected_path);
    auto newline = expected.find('\n');
    REQUIRE(expected.starts_with("exit "));
    int exit_code = std::stoi(expected.substr(5, newline - 5));
    auto output = expected.substr(newline + 1);

    auto run = check(dir, input);
    CHECK(run.exit_code == exit_code);
    CHECK((exit_code == 0 ? run.out : run.err) == output);
  }
}

TEST_CASE("a 100 MB file is refused by its size before it is read") {
  TempDir dir;
  std::string line = "  s: {command: [sleep, '1']}\n";
  auto path = write_repeated(dir, "huge.yaml", "services:\n", line, 100'000'000 / line.size());
  auto run = check(dir.path().string(), "huge.yaml");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "huge.yaml: error: the file is " + std::to_string(fs::file_size(path)) +
                       " bytes; summon reads configuration files of up to 4 MiB\n1 error\n");
}

TEST_CASE("an included 100 MB file is refused by its size before it is read") {
  TempDir dir;
  // Sparse: it takes no room on the disk.
  fs::resize_file(dir.write("huge.yaml", ""), 100'000'000);
  dir.write("services.yaml", "include: [huge.yaml]\nservices:\n  api: {command: x}\n");
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "huge.yaml: error: the file is 100000000 bytes; summon reads configuration files of up "
        "to 4 MiB\n1 error\n");
}

TEST_CASE("1,000 included files stop at the 256th, in one error") {
  TempDir dir;
  std::ostringstream text;
  text << "include:\n";
  for (int i = 0; i < 1'000; ++i) {
    text << "  - part/" << i << ".yaml\n";
    dir.write("part/" + std::to_string(i) + ".yaml",
              "services:\n  s" + std::to_string(i) + ": {command: x}\n");
  }
  text << "services:\n  api: {command: x}\n";
  dir.write("services.yaml", text.str());
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 2);
  // services.yaml and 255 parts are read; the next is refused where it is named.
  CHECK(run.err ==
        "services.yaml:257:5: error: cannot read 'part/255.yaml': it would be file number 257; "
        "summon reads at most 256 files for one project, and no more of them\n1 error\n");
}

TEST_CASE("an extends chain 10,000 long stops at 64 links") {
  TempDir dir;
  std::ostringstream text;
  text << "services:\n";
  for (int i = 0; i < 10'000; ++i) text << "  s" << i << ": {extends: s" << i + 1 << "}\n";
  text << "  s10000: {command: x}\n";
  dir.write("services.yaml", text.str());
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run) ==
        "services.yaml:65:18: error: extends chain is longer than 64 services (from s0); summon "
        "follows no more");
}

TEST_CASE("an extends chain through 300 files stops at the file limit or the chain's") {
  TempDir dir;
  for (int i = 0; i < 300; ++i)
    dir.write(std::to_string(i) + ".yaml", "services:\n  s:\n    extends: {service: s, file: " +
                                               std::to_string(i + 1) + ".yaml}\n");
  dir.write("300.yaml", "services:\n  s: {command: x}\n");
  auto run = check(dir.path().string(), "0.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run).find("extends chain is longer than 64 services (from s)") !=
        std::string::npos);
}

TEST_CASE("a base of 100,000 values extended by many services crosses the project's limit") {
  TempDir dir;
  std::ostringstream text;
  text << "services:\n  x-base:\n    command: x\n    env:\n";
  for (int i = 0; i < 50'000; ++i) text << "      V" << i << ": v\n";
  for (int i = 0; i < 20; ++i) text << "  s" << i << ": {extends: x-base}\n";
  dir.write("services.yaml", text.str());
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run).find(": error: the project's files hold more than 1000000 values "
                              "together (counting what `extends` copies); summon reads no more") !=
        std::string::npos);
}

TEST_CASE("an endless stream is refused after the size limit") {
  auto run = check(".", "/dev/zero");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run) ==
        "/dev/zero: error: the file is larger than 4 MiB, the most summon reads");
}

TEST_CASE("10,000 levels of block maps do not fit in a file summon reads") {
  // One space of indentation per level: 50 MB.
  TempDir dir;
  std::ofstream out(dir.path() / "deep.yaml", std::ios::binary);
  for (int level = 0; level < 10'000; ++level) out << std::string(level, ' ') << "a:\n";
  out.close();
  auto run = check(dir.path().string(), "deep.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run).starts_with("deep.yaml: error: the file is "));
}

TEST_CASE("2,000 levels of block maps stop at the 65th") {
  TempDir dir;
  std::ofstream out(dir.path() / "deep.yaml", std::ios::binary);
  for (int level = 0; level < 2'000; ++level) out << std::string(level, ' ') << "a:\n";
  out.close();
  auto run = check(dir.path().string(), "deep.yaml");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "deep.yaml:65:65: error: nesting is deeper than 64 levels\n1 error\n");
}

TEST_CASE("100,000 services are refused as too many values") {
  TempDir dir;
  std::ostringstream text;
  text << "services:\n";
  for (int i = 0; i < 100'000; ++i) text << "  s" << i << ":\n    command: x\n";
  dir.write("services.yaml", text.str());
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run).find(": error: the document has more than 200000 values") !=
        std::string::npos);
}

TEST_CASE("10,000 services load") {
  TempDir dir;
  std::ostringstream text;
  text << "services:\n";
  for (int i = 0; i < 10'000; ++i) text << "  s" << i << ":\n    command: x\n";
  dir.write("services.yaml", text.str());
  auto run = check(dir.path().string(), "services.yaml");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "services.yaml: ok (10000 services, 1 layer)\n");
}

TEST_CASE("4 MB of '[' is refused before yaml-cpp holds it all in memory") {
  TempDir dir;
  dir.write("brackets.yaml", std::string(4'000'000, '['));
  auto run = check(dir.path().string(), "brackets.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run) ==
        "brackets.yaml:1:100001: error: the file has more than 100000 of the characters [ ] { } "
        "and ','; summon reads no more (write long lists and maps in block style)");
}

TEST_CASE("a flow list of 30,000 items is read") {
  TempDir dir;
  std::ostringstream text;
  text << "services: {api: {command: [x";
  for (int i = 0; i < 30'000; ++i) text << ", a" << i;
  text << "]}}\n";
  dir.write("flow.yaml", text.str());
  auto run = check(dir.path().string(), "flow.yaml");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "flow.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("a 1 MB line loads when it is a valid command") {
  TempDir dir;
  dir.write("long.yaml", "services:\n  api:\n    command: \"" + std::string(1 << 20, 'x') + "\"\n");
  auto run = check(dir.path().string(), "long.yaml");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "long.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("a 1 MB line of junk is refused") {
  TempDir dir;
  dir.write("junk.yaml", std::string(1 << 20, 'x') + "\n");
  auto run = check(dir.path().string(), "junk.yaml");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run).starts_with("junk.yaml:1:1: error: "));
  CHECK(first_error(run).size() < 200);
}

TEST_CASE("a Procfile over 4 MiB is refused by its size") {
  TempDir dir;
  auto path = write_repeated(dir, "Procfile", "", "web: x\n", 1'000'000);
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "Procfile: error: the file is " + std::to_string(fs::file_size(path)) +
                       " bytes; summon reads configuration files of up to 4 MiB\n1 error\n");
}

TEST_CASE("a Procfile of 100,000 lines stops at the first process PORT cannot number") {
  TempDir dir;
  std::ostringstream text;
  for (int i = 0; i < 100'000; ++i) text << "p" << i << ": x\n";
  dir.write("Procfile", text.str());
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 2);
  // 5000 + 100 * 605 = 65500 is the last port.
  CHECK(run.err ==
        "Procfile:607:1: error: process 'p606' would get PORT 65600, past 65535: PORT is 5000 "
        "for the first process, plus 100 for each next one\n1 error\n");
}

TEST_CASE("100,000 bad Procfile lines are reported up to the limit") {
  TempDir dir;
  write_repeated(dir, "Procfile", "", "no colon here\n", 100'000);
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 2);
  CHECK(first_error(run) ==
        "Procfile:1:1: error: expected NAME: COMMAND (a process name, a "
        "colon, then its command)");
  CHECK(run.err.ends_with("more than 100 errors; only the first 100 are shown\n"));
}

TEST_CASE("a Procfile line of 1 MB loads when it is a valid command") {
  TempDir dir;
  dir.write("Procfile", "web: echo " + std::string(1 << 20, 'x') + "\n");
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "Procfile: ok (1 service, 1 layer)\n");
}

TEST_CASE("a Procfile line of 1 MB of junk is one short error") {
  TempDir dir;
  dir.write("Procfile", std::string(1 << 20, '%') + ": x\n" + std::string(1 << 20, 'y') + "\n");
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "Procfile:1:1: error: '%' cannot be part of a process name: use letters, digits, '_' and "
        "'-'\n"
        "Procfile:2:1: error: expected NAME: COMMAND (a process name, a colon, then its "
        "command)\n2 errors\n");
}

TEST_CASE("a Procfile name of 1 MB is refused without quoting it") {
  TempDir dir;
  dir.write("Procfile", std::string(1 << 20, 'a') + ": x\n");
  auto run = check(dir.path().string(), "Procfile");
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "Procfile:1:1: error: the process name is 1048576 characters long; a service "
        "name has at most 63\n1 error\n");
}

TEST_CASE("a folder without a services file is refused") {
  TempDir dir;
  auto run = check(dir.path().string(), ".");
  CHECK(run.exit_code == 2);
  CHECK(run.err == ".: error: no services.yaml, summon.yaml or Procfile in this folder\n");
}

TEST_CASE("a missing file is refused") {
  TempDir dir;
  auto run = check(dir.path().string(), "missing.yaml");
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "missing.yaml: error: cannot read the file: No such file or directory\n1 error\n");
}

TEST_CASE("no file of the fuzzing corpus crashes summon check") {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(source_root("fuzz/loader/corpus"))) {
    if (!entry.is_regular_file()) continue;
    auto file = entry.path().string();
    CAPTURE(file);
    auto run = run_summon({"check", file});
    CHECK_FALSE(run.timed_out);
    CHECK(run.signal == 0);
    CHECK((run.exit_code == 0 || run.exit_code == 2));
    ++checked;
  }
  MESSAGE(checked << " corpus files checked");
  CHECK(checked > 0);
}

}  // namespace summon::testing

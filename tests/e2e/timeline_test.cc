// The bring-up timeline (SPEC 2.3) on the real binary: `summon timeline` of
// a running project as text, JSON and SVG (rendered to PNG and looked at),
// `up --timeline FILE`, and a restart as a bring-up of its own.
#include <signal.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "processes.hpp"
#include "sandbox.hpp"
#include "unit/schema_file.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string fixture() {
  return runtime_fixture("timeline.yaml");
}

RunResult ask(const Sandbox& sandbox, std::vector<std::string> args) {
  return run_summon(args, sandbox.options());
}

// `program ARGS...` found on PATH, as a shell would.
RunResult run_on_path(const std::string& program, std::vector<std::string> args) {
  args.insert(args.begin(), program);
  return run_program("/usr/bin/env", args);
}

struct Segment {
  std::string kind, service, fill;
  double x, y, width, height;
};

// The bars of a picture, as svg() writes them.
std::vector<Segment> segments_of(const std::string& svg) {
  const std::regex rect(
      R"re(<rect class="segment (\w+)" data-service="([^"]+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})"/>)re");
  std::vector<Segment> found;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    found.push_back(
        {m[1], m[2], m[7], std::stod(m[3]), std::stod(m[4]), std::stod(m[5]), std::stod(m[6])});
  }
  return found;
}

// The PNG's size, then the colour ("rrggbbaa") at each point.
struct Pixels {
  int width = 0, height = 0;
  std::map<std::string, std::string> at;
};
Pixels pixels_of(const std::string& png, const std::vector<std::pair<int, int>>& points) {
  std::vector<std::string> args{tests_dir("e2e/scripts/png_pixels.py"), png};
  for (auto [x, y] : points) args.push_back(std::to_string(x) + "," + std::to_string(y));
  const auto read = run_on_path("python3", args);
  INFO(describe(read));
  REQUIRE(read.exit_code == 0);
  Pixels pixels;
  std::istringstream lines(read.out);
  lines >> pixels.width >> pixels.height;
  for (std::string point, colour; lines >> point >> colour;) pixels.at[point] = colour;
  return pixels;
}

}  // namespace

TEST_CASE("summon timeline shows the last bring-up as text, JSON and a picture") {
  Sandbox sandbox;
  auto none = ask(sandbox, {"timeline", fixture()});
  CHECK(none.exit_code == 3);
  CHECK(ask(sandbox, {"up", "-d", fixture(), "--timeline", "up.png"}).exit_code == 2);

  auto up = ask(sandbox, {"up", "-d", fixture(), "--timeline", "up.svg"});
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  // Written before `up -d` returned.
  CHECK(contains(up.out, "[summon] timeline written to up.svg"));
  const auto written = read_text(sandbox.path("up.svg"));
  CHECK(written.starts_with("<svg "));
  CHECK(segments_of(written).size() >= 5);

  auto text = ask(sandbox, {"timeline", fixture()});
  INFO(describe(text));
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "bring-up: 5 services in "));
  const std::regex path(
      R"(critical path: web ready at [0-9.]+m?s ← api \+[0-9.]+m?s ← db \+[0-9.]+m?s ← )"
      R"(prepare \+[0-9.]+m?s ← cache \+[0-9.]+m?s\n)");
  CHECK(std::regex_search(text.out, path));
  for (const char* row : {"* cache ", "* prepare ", "* db ", "* api ", "* web "})
    CHECK(contains(text.out, row));
  CHECK(contains(text.out, "completed "));  // prepare, a task
  CHECK(contains(text.out, "db, cache"));   // what api waited for

  auto as_json = ask(sandbox, {"timeline", "-p", "tl", "--format", "json"});
  INFO(describe(as_json));
  REQUIRE(as_json.exit_code == 0);
  const auto timeline = json::parse(as_json.out);
  static const Schema schema("timeline.schema.json");
  CHECK(schema.problems(timeline) == "");
  CHECK(timeline["open"] == false);
  CHECK(timeline["critical_path"] == json{"web", "api", "db", "prepare", "cache"});
  std::map<std::string, json> by_name;
  for (const auto& service : timeline["services"]) by_name[service["name"]] = service;
  REQUIRE(by_name.size() == 5);
  CHECK(by_name["prepare"]["completed_ms"].get<double>() <= by_name["db"]["spawned_ms"]);
  CHECK(by_name["db"]["ready_ms"].get<double>() <= by_name["api"]["spawned_ms"]);
  CHECK(by_name["web"]["ready_ms"] == timeline["total_ms"]);
  CHECK(by_name["api"]["depends_on"] == json{"db", "cache"});

  // The picture: rendered, it is as large as it says, with each bar where
  // the SVG put it and in its colour.
  auto svg = ask(sandbox, {"timeline", fixture(), "--format", "svg", "-o", "t.svg"});
  REQUIRE(svg.exit_code == 0);
  const auto picture = read_text(sandbox.path("t.svg"));
  auto convert = run_on_path("rsvg-convert", {sandbox.path("t.svg"), "-o", sandbox.path("t.png")});
  INFO(describe(convert));
  REQUIRE(convert.exit_code == 0);
  std::vector<std::pair<int, int>> points{{4, 4}};
  std::vector<Segment> bars;
  // Spawning takes a few ms: too thin a bar to aim at.
  for (const auto& segment : segments_of(picture))
    if (segment.kind != "spawning" && segment.width >= 6) {
      bars.push_back(segment);
      points.emplace_back(static_cast<int>(segment.x + segment.width / 2),
                          static_cast<int>(segment.y + segment.height / 2));
    }
  std::set<std::string> drawn;
  for (const auto& bar : bars) drawn.insert(bar.service + " " + bar.kind);
  CAPTURE(picture);
  CHECK(drawn == std::set<std::string>{"cache booting", "prepare running", "db booting",
                                       "api booting", "web booting"});
  const auto pixels = pixels_of(sandbox.path("t.png"), points);
  CHECK(pixels.width == 960);
  std::smatch height;
  REQUIRE(std::regex_search(picture, height, std::regex(R"re(height="([0-9]+)")re")));
  CHECK(pixels.height == std::stoi(height[1]));
  CHECK(pixels.at.at("4,4") == "ffffffff");  // the white ground
  for (std::size_t k = 0; k < bars.size(); ++k) {
    const auto point =
        std::to_string(points[k + 1].first) + "," + std::to_string(points[k + 1].second);
    CAPTURE(bars[k].service);
    CHECK(pixels.at.at(point) == bars[k].fill.substr(1) + "ff");
  }

  // A write that fails is said; the project is not touched by it.
  auto unwritable = ask(sandbox, {"timeline", fixture(), "-o", sandbox.path("no/such/t.txt")});
  CHECK(unwritable.exit_code == 1);
  CHECK(contains(unwritable.err, "cannot write"));

  auto down = ask(sandbox, {"down", fixture()});
  CHECK(down.exit_code == 0);
  CHECK(all_gone(sandbox.record()));
  CHECK(ask(sandbox, {"timeline", fixture()}).exit_code == 3);
}

TEST_CASE("after summon restart, the timeline is that restart's: api, and web that followed it") {
  Sandbox sandbox;
  REQUIRE(ask(sandbox, {"up", "-d", fixture()}).exit_code == 0);
  // Summon's own lines, to know when web is back without waiting blind.
  Background attach(summon_bin(), {"attach", fixture()}, sandbox.options());
  REQUIRE(attach.wait_for_line("attached to tl"));
  auto restart = ask(sandbox, {"restart", fixture(), "api"});
  INFO(describe(restart));
  REQUIRE(restart.exit_code == 0);
  REQUIRE(attach.wait_for_line("web ready in"));
  attach.send(SIGINT);
  attach.finish();

  auto text = ask(sandbox, {"timeline", fixture()});
  INFO(describe(text));
  CHECK(contains(text.out, "bring-up: 2 services in "));
  CHECK(std::regex_search(text.out,
                          std::regex(R"(critical path: web ready at [0-9.]+m?s ← api \+)")));
  CHECK(contains(text.out, "* api      0ms"));
  CHECK(ask(sandbox, {"down", fixture()}).exit_code == 0);
  CHECK(all_gone(sandbox.record()));
}

TEST_CASE("run --timeline that cannot be written says so, and the run goes on") {
  Sandbox sandbox;
  auto run = sandbox.run("timeline.yaml",
                         {"--timeline", sandbox.path("no/such/t.json"), "--", "/bin/true"});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out + run.err, "error: --timeline: cannot write"));
  CHECK(all_gone(sandbox.record()));
}

}  // namespace summon::testing

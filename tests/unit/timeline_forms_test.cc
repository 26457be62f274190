// The timeline's critical path and its three forms: text, JSON, SVG.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "timeline/critical_path.hpp"
#include "timeline/json.hpp"
#include "timeline/svg.hpp"
#include "timeline/text.hpp"
#include "unit/schema_file.hpp"

namespace summon::timeline {

namespace {

using nlohmann::json;

std::optional<Duration> ms(long long count) {
  return std::chrono::milliseconds(count);
}

ServiceTimes service(std::string name, std::vector<std::string> depends_on,
                     std::optional<Duration> spawned, std::optional<Duration> ready,
                     std::optional<Duration> completed = std::nullopt) {
  ServiceTimes s;
  s.name = std::move(name);
  s.depends_on = std::move(depends_on);
  s.spawned = spawned;
  if (spawned) s.started = *spawned + std::chrono::milliseconds(1);
  s.ready = ready;
  s.completed = completed;
  return s;
}

// The quickstart's bring-up, with the times SPEC 2.3 shows.
Timeline quickstart() {
  Timeline t;
  t.services = {
      service("cache", {}, ms(0), ms(130)),
      service("prepare", {}, ms(0), ms(2), ms(913)),
      service("db", {"prepare"}, ms(913), ms(983)),
      service("migrate", {"db"}, ms(983), ms(984), ms(1179)),
      service("api", {"migrate", "cache"}, ms(1179), ms(1386)),
      service("web", {"api"}, ms(1386), ms(1410)),
  };
  t.total = *ms(1410);
  return t;
}

std::vector<std::string> names_of(const Timeline& t, const std::vector<std::size_t>& path) {
  std::vector<std::string> names;
  for (auto k : path) names.push_back(t.services[k].name);
  return names;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("the critical path of a chain is the whole chain, the last first") {
  const auto t = quickstart();
  CHECK(names_of(t, critical_path(t)) == Names{"web", "api", "migrate", "db", "prepare"});
}

TEST_CASE("in a diamond the critical path goes through the slower side") {
  Timeline t;
  t.services = {service("a", {}, ms(0), ms(100)), service("fast", {"a"}, ms(100), ms(150)),
                service("slow", {"a"}, ms(100), ms(400)),
                service("top", {"fast", "slow"}, ms(400), ms(450))};
  t.total = *ms(450);
  CHECK(names_of(t, critical_path(t)) == Names{"top", "slow", "a"});
  // The other way round, the other side.
  t.services[1].ready = ms(420);
  t.services[3].spawned = ms(420);
  t.services[3].ready = ms(470);
  CHECK(names_of(t, critical_path(t)) == Names{"top", "fast", "a"});
}

TEST_CASE("the critical path stops at a dependency that was there before the bring-up") {
  Timeline t;  // a restart of api: migrate and cache were not part of it
  t.services = {service("api", {"migrate", "cache"}, ms(0), ms(200)),
                service("web", {"api"}, ms(200), ms(300))};
  t.total = *ms(300);
  CHECK(names_of(t, critical_path(t)) == Names{"web", "api"});
  CHECK(critical_path(Timeline{}).empty());
}

TEST_CASE("a dependency waited for only until it started is not a step of the path") {
  Timeline t;
  t.services = {service("log", {}, ms(0), ms(500)), service("app", {"log"}, ms(5), ms(100))};
  t.total = *ms(500);
  CHECK(names_of(t, critical_path(t)) == Names{"log"});
}

TEST_CASE("the text form names the critical path as SPEC 2.3 shows it, and each wait") {
  CHECK(text(quickstart()) ==
        "bring-up: 6 services in 1.41s\n"
        "critical path: web ready at 1.41s ← api +207ms ← migrate +196ms ← db +70ms ← "
        "prepare +913ms\n"
        "\n"
        "  SERVICE  WAITED  BOOT   THERE AT         DEPENDS ON\n"
        "  cache    0ms     130ms  ready 130ms      -\n"
        "* prepare  0ms     913ms  completed 913ms  -\n"
        "* db       913ms   70ms   ready 983ms      prepare\n"
        "* migrate  983ms   196ms  completed 1.18s  db\n"
        "* api      1.18s   207ms  ready 1.39s      migrate, cache\n"
        "* web      1.39s   24ms   ready 1.41s      api\n"
        "(* the critical path; WAITED: from the start to its spawn, BOOT: from its spawn to "
        "THERE AT)\n");
}

TEST_CASE("the text form says a bring-up still going, and one that failed") {
  Timeline t;
  t.open = true;
  t.services = {service("db", {}, ms(0), std::nullopt)};
  t.total = *ms(0);
  CHECK(text(t).starts_with("bring-up: 1 service, still going (0ms so far)\n"));
  t.open = false;
  t.services[0].failed = ms(3200);
  t.total = *ms(3200);
  CHECK(
      text(t).starts_with("bring-up: 1 service in 3.20s; failed: db\n"
                          "critical path: db failed at 3.20s\n"));
}

TEST_CASE("JSON gives the timeline back, and holds to its schema and the reply's") {
  auto t = quickstart();
  t.services[0].failed = Duration(1234567);  // to the microsecond
  const json value = to_json(t);
  CHECK(value["total_ms"] == 1410.0);
  CHECK(value["critical_path"] == json{"web", "api", "migrate", "db", "prepare"});
  CHECK(value["services"][0]["failed_ms"] == 1234.567);
  CHECK(value["services"][2]["completed_ms"].is_null());
  CHECK(from_json(value) == t);
  CHECK(from_json(json::parse(value.dump())) == t);

  static const testing::Schema schema("timeline.schema.json");
  static const testing::Schema reply("control-reply.schema.json");
  CHECK(schema.problems(value) == "");
  CHECK(schema.problems(to_json(Timeline{})) == "");
  CHECK(reply.problems({{"ok", true}, {"timeline", value}}) == "");
  json broken = value;
  broken["services"][0]["ready_ms"] = -1;
  CHECK_FALSE(schema.holds(broken));
  CHECK_FALSE(from_json(broken));
  broken = value;
  broken["services"][0].erase("name");
  CHECK_FALSE(from_json(broken));
  CHECK_FALSE(from_json(json::array()));
  CHECK_FALSE(from_json({{"open", false}}));
}

// Each opening tag is closed, in order, or closes itself.
bool well_formed(const std::string& svg) {
  std::vector<std::string> open;
  const std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    if (m[3].length() > 0) continue;
    if (m[1].length() == 0) {
      open.push_back(m[2]);
    } else {
      if (open.empty() || open.back() != m[2]) return false;
      open.pop_back();
    }
  }
  return open.empty();
}

TEST_CASE("the SVG is one well-formed picture with a bar for each service") {
  const auto picture = svg(quickstart());
  CHECK(picture.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\""));
  CHECK(picture.ends_with("</svg>\n"));
  CHECK(well_formed(picture));
  for (const char* name : {"cache", "prepare", "db", "migrate", "api", "web"}) {
    CAPTURE(name);
    CHECK(picture.find(fmt::format("class=\"segment booting\" data-service=\"{}\"", name)) !=
          std::string::npos);
    CHECK(picture.find(fmt::format(">{}</text>", name)) != std::string::npos);
  }
  CHECK(picture.find("class=\"segment running\" data-service=\"migrate\"") != std::string::npos);
  CHECK(picture.find(booting_colour) != std::string::npos);
  CHECK(picture.find("bring-up: 6 services in 1.41s") != std::string::npos);
  CHECK(picture.find("web ready at 1.41s ← api +207ms") != std::string::npos);
  CHECK(picture.find("ready 1.41s · own 24ms") != std::string::npos);
  // One arrow per edge: db→prepare, migrate→db, api→migrate, api→cache, web→api.
  std::size_t edges = 0;
  for (auto at = picture.find("class=\"edge\""); at != std::string::npos;
       at = picture.find("class=\"edge\"", at + 1))
    ++edges;
  CHECK(edges == 5);

  Timeline odd;
  odd.services = {service("a<&>\"b", {}, ms(0), ms(5))};
  odd.total = *ms(5);
  const auto escaped = svg(odd);
  CHECK(well_formed(escaped));
  CHECK(escaped.find("a&lt;&amp;&gt;&quot;b") != std::string::npos);
  CHECK(well_formed(svg(Timeline{})));
}

}  // namespace summon::timeline

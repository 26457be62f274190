// The recorder's bring-ups, fed the engine's changes by hand: when one
// opens, what joins it, when it closes, and which one `summon timeline` shows.
#include "timeline/recorder.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>

#include "unit/load_helpers.hpp"

namespace summon::timeline {

namespace {

using namespace std::chrono_literals;
using engine::State;

// Changes as the engine would report them, by name, at a time since bring_up().
class Feed {
 public:
  explicit Feed(const std::string& yaml) : compiled_(testing::compile(yaml)) {
    REQUIRE(compiled_.ok());
    recorder_.emplace(*compiled_.graph);
  }

  Feed& at(engine::Duration since_bring_up) {
    now_ = since_bring_up;
    return *this;
  }
  Feed& to(const std::string& name, State state, bool restart = false) {
    const auto i = *compiled_.graph->index(name);
    engine::StateChange change;
    change.service = i;
    change.from = states_[name];
    change.to = state;
    change.since_bring_up = now_;
    if (restart) change.restart = engine::RestartNote{1, 100ms};
    states_[name] = state;
    recorder_->record(change);
    return *this;
  }
  // spawned, started and ready at once, as a service without a probe is.
  Feed& up(const std::string& name) {
    return to(name, State::starting).to(name, State::started).to(name, State::ready);
  }
  Timeline last() const { return recorder_->last(); }

 private:
  graph::CompiledProject compiled_;
  std::optional<Recorder> recorder_;
  std::map<std::string, State> states_;
  engine::Duration now_{};
};

constexpr const char* chain = R"(
services:
  a: {command: [a]}
  b: {command: [b], depends_on: [a]}
  c: {command: [c], depends_on: {b: {condition: ready, restart: true}}}
)";

Duration ms(long long count) {
  return std::chrono::milliseconds(count);
}

}  // namespace

TEST_CASE("the first bring-up counts from bring_up() and closes once all spawned settled") {
  Feed feed(chain);
  CHECK(feed.last() == Timeline{});
  feed.at(2ms).to("a", State::starting).at(3ms).to("a", State::started);
  CHECK(feed.last().open);
  CHECK(feed.last().services.size() == 1);
  feed.at(100ms).to("a", State::ready);
  feed.to("b", State::starting).at(101ms).to("b", State::started).at(250ms).to("b", State::ready);
  feed.to("c", State::starting).at(252ms).to("c", State::started).at(400ms).to("c", State::ready);

  const auto timeline = feed.last();
  CHECK_FALSE(timeline.open);
  CHECK(timeline.total == ms(400));
  REQUIRE(timeline.services.size() == 3);
  const auto& a = timeline.services[0];
  CHECK(a.name == "a");
  CHECK(a.depends_on.empty());
  CHECK(a.spawned == ms(2));
  CHECK(a.started == ms(3));
  CHECK(a.ready == ms(100));
  CHECK_FALSE(a.completed);
  CHECK_FALSE(a.failed);
  CHECK(timeline.services[1].depends_on == std::vector<std::string>{"a"});
  CHECK(timeline.services[2].spawned == ms(250));
}

TEST_CASE("a restart is a bring-up of its own; its restart: true dependents join it") {
  Feed feed(chain);
  feed.at(0ms).up("a").up("b").up("c");
  // `summon restart b`, ten seconds on: c goes down first, then b; b comes
  // back, and c starts the moment b is ready.
  feed.at(10s).to("c", State::stopping).to("c", State::stopped);
  feed.to("b", State::stopping).at(10'010ms).to("b", State::stopped);
  CHECK(feed.last().services.size() == 3);  // still the first
  feed.to("b", State::starting).at(10'011ms).to("b", State::started);
  CHECK(feed.last().services.size() == 3);  // the last closed one, while this one is open
  feed.at(10'210ms).to("b", State::ready).to("c", State::starting);
  // b's ready closed it and c opened it again: until c is ready, the first
  // is the last closed.
  CHECK(feed.last().services.size() == 3);
  feed.at(10'300ms).to("c", State::started).to("c", State::ready);

  const auto timeline = feed.last();
  CHECK_FALSE(timeline.open);
  REQUIRE(timeline.services.size() == 2);
  CHECK(timeline.services[0].name == "b");
  CHECK(timeline.services[0].spawned == ms(0));
  CHECK(timeline.services[0].ready == ms(200));
  CHECK(timeline.services[1].name == "c");
  CHECK(timeline.services[1].spawned == ms(200));
  CHECK(timeline.total == ms(290));
}

TEST_CASE("a task that completes after its bring-up closed joins it when a dependent waited") {
  Feed feed(R"(
services:
  prepare: {command: [p]}
  db: {command: [d], depends_on: {prepare: completed}}
  late: {command: [l]}
)");
  // Neither has a probe: ready at once, which settles everything spawned.
  feed.at(0ms).to("prepare", State::starting).to("late", State::starting);
  feed.to("prepare", State::started).to("prepare", State::ready);
  feed.to("late", State::started).to("late", State::ready);
  CHECK_FALSE(feed.last().open);
  feed.at(900ms).to("prepare", State::completed).to("db", State::starting);
  CHECK(feed.last().open);
  feed.at(901ms).to("db", State::started).at(1500ms).to("db", State::ready);
  // An hour later, late ends with code 0: no part of the bring-up.
  feed.at(3600s).to("late", State::completed);

  const auto timeline = feed.last();
  CHECK_FALSE(timeline.open);
  CHECK(timeline.total == ms(1500));
  REQUIRE(timeline.services.size() == 3);
  CHECK(timeline.find("prepare")->completed == ms(900));
  CHECK(timeline.find("db")->spawned == ms(900));
  CHECK_FALSE(timeline.find("late")->completed);
}

TEST_CASE("a policy restart during bring-up keeps it open; after it, it is a bring-up of its own") {
  Feed feed(chain);
  feed.at(0ms).to("a", State::starting).to("a", State::started);
  // a crashes before it is ready; its policy restarts it after a delay.
  feed.at(50ms).to("a", State::stopping, true).to("a", State::stopped).to("a", State::backoff);
  CHECK(feed.last().open);
  feed.at(150ms).to("a", State::starting).to("a", State::started).at(200ms).to("a", State::ready);
  feed.up("b").up("c");
  auto timeline = feed.last();
  CHECK_FALSE(timeline.open);
  CHECK(timeline.find("a")->spawned == ms(0));
  CHECK(timeline.find("a")->started == ms(150));
  CHECK(timeline.find("a")->ready == ms(200));

  // Later c crashes and is restarted by its policy.
  feed.at(60s).to("c", State::stopping, true).to("c", State::stopped).to("c", State::backoff);
  feed.at(61s).to("c", State::starting).to("c", State::started).at(61'500ms).to("c", State::ready);
  timeline = feed.last();
  REQUIRE(timeline.services.size() == 1);
  CHECK(timeline.find("c")->ready == ms(500));
  CHECK(timeline.total == ms(500));
}

TEST_CASE("a failure settles a bring-up; what never spawned is not in it") {
  Feed feed(chain);
  feed.at(0ms).to("a", State::starting).to("a", State::started).at(80ms).to("a", State::failed);
  feed.to("b", State::skipped).to("c", State::skipped);
  const auto timeline = feed.last();
  CHECK_FALSE(timeline.open);
  REQUIRE(timeline.services.size() == 1);
  CHECK(timeline.services[0].failed == ms(80));
  CHECK(timeline.total == ms(80));
}

}  // namespace summon::timeline

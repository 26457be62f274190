// Moving a Session: the services go with it; the moved-from one holds nothing.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

summon::Project one_service(const std::string& name) {
  summon::Project project("move");
  project.port("web").add(
      summon::service(name, {test_service_bin(), "--ready", "log:" + name + " up"})
          .ready(summon::log(name + " up")));
  return project;
}

}  // namespace

TEST_CASE("a moved-from session does nothing and its services keep running") {
  std::optional<summon::Session> from(std::in_place, one_service("web"));
  const auto pid = from->pid("web");
  REQUIRE(pid);

  summon::Session to(std::move(*from));
  CHECK_NOTHROW(from->stop());
  CHECK_THROWS_AS((void)from->port("web"), std::logic_error);
  CHECK_THROWS_AS((void)from->state("web"), std::logic_error);
  CHECK_THROWS_AS((void)from->pid("web"), std::logic_error);
  CHECK_THROWS_AS((void)from->output("web"), std::logic_error);
  CHECK_THROWS_AS((void)from->environment(), std::logic_error);
  from.reset();

  CHECK(alive(*pid));
  CHECK(to.pid("web") == pid);
  CHECK(to.state("web") == summon::State::ready);
  to.stop();
  CHECK_FALSE(alive(*pid));
}

TEST_CASE("move assignment stops the assigned-to session's services first") {
  summon::Session target(one_service("old"));
  summon::Session source(one_service("new"));
  const auto old_pid = target.pid("old");
  const auto new_pid = source.pid("new");
  REQUIRE(old_pid);
  REQUIRE(new_pid);

  target = std::move(source);
  CHECK_FALSE(alive(*old_pid));
  CHECK(alive(*new_pid));
  CHECK(target.pid("new") == new_pid);
  CHECK_THROWS_AS((void)target.state("old"), std::out_of_range);
  CHECK_THROWS_AS((void)source.pid("new"), std::logic_error);
}

// "Did you mean" for near-miss keys and names.
#include <doctest/doctest.h>

#include "config/suggest.hpp"

using summon::config::closest;
using summon::config::did_you_mean;

namespace {
const std::vector<std::string> keys = {"command", "cwd", "env", "env_file", "depends_on",
                                       "ready",   "stop", "user"};
}

TEST_CASE("a dropped, added or changed letter is a typo") {
  CHECK(closest("comand", keys) == "command");
  CHECK(closest("commandd", keys) == "command");
  CHECK(closest("commend", keys) == "command");
}

TEST_CASE("two swapped neighbours count as one typo") {
  CHECK(closest("dpeends_on", keys) == "depends_on");
  CHECK(closest("raedy", keys) == "ready");
}

TEST_CASE("a word far from every candidate gets no suggestion") {
  CHECK_FALSE(closest("healthcheck", keys));
  CHECK(did_you_mean("healthcheck", keys).empty());
}

TEST_CASE("short words allow one typo at most") {
  CHECK(closest("cdw", keys) == "cwd");
  CHECK_FALSE(closest("xyz", keys));
}

TEST_CASE("the suggestion reads as the end of a message") {
  CHECK(did_you_mean("envfile", keys) == "; did you mean 'env_file'?");
}

TEST_CASE("very long words are not compared") {
  CHECK_FALSE(closest(std::string(1000, 'a'), keys));
}

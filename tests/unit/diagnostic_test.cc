// The one error format: FILE:LINE:COL: error: MESSAGE.
#include <doctest/doctest.h>

#include "config/diagnostic.hpp"

using summon::config::Diagnostic;
using summon::config::Diagnostics;

TEST_CASE("a diagnostic with a position reads FILE:LINE:COL: error: MESSAGE") {
  Diagnostic d{"services.yaml", {4, 7}, "unknown key 'comand'"};
  CHECK(d.format() == "services.yaml:4:7: error: unknown key 'comand'");
}

TEST_CASE("a diagnostic without a position names only the file") {
  Diagnostic d{"services.yaml", {}, "the file is empty"};
  CHECK(d.format() == "services.yaml: error: the file is empty");
}

TEST_CASE("diagnostics come out in file order, whatever order they were found in") {
  Diagnostics all;
  all.error("b.yaml", {1, 1}, "third");
  all.error("a.yaml", {9, 2}, "second");
  all.error("a.yaml", {2, 5}, "first");
  auto sorted = all.sorted();
  REQUIRE(sorted.size() == 3);
  CHECK(sorted[0].message == "first");
  CHECK(sorted[1].message == "second");
  CHECK(sorted[2].message == "third");
}

TEST_CASE("an exact repeat is recorded once; another message at the same place is kept") {
  Diagnostics all;
  all.error("a.yaml", {3, 4}, "bad");
  all.error("a.yaml", {3, 4}, "bad");
  all.error("a.yaml", {3, 4}, "also bad");
  CHECK(all.size() == 2);
  CHECK(all.has_error_at("a.yaml", {3, 4}));
  CHECK_FALSE(all.has_error_at("a.yaml", {3, 5}));
}

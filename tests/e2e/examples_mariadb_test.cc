// examples/mariadb: a one-shot install, then MariaDB ready by its own READY=1,
// after it dropped root; the seeded rows are read from outside, twice over.
#include <unistd.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

TEST_CASE("examples/mariadb: installed once, ready by notify, seeded, as its own user") {
  ExampleFolder example("mariadb");
  const std::string expected_user = ::geteuid() == 0 ? "mysql" : "";
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon(
        {"run", "--", "sh", "-c",
         "mariadb -S \"$PWD/runtime/mysqld.sock\" -u root -N -e 'select name from shop.items "
         "order by id' && echo \"user=$(stat -c %U /proc/$(cat runtime/mysqld.pid))\""});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "\nteapot\nkettle\n"));
    CHECK(contains(run.out, "[summon] install completed in "));
    CHECK(contains(run.out, "ms (notify)\n"));
    if (!expected_user.empty()) CHECK(contains(run.out, "\nuser=" + expected_user + "\n"));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing

// examples/redis-replica: a Redis primary and a replica that is ready only once
// it has synced; a key written on the primary is read back from the replica,
// and nothing is left after.
//
// `summon run -- CMD` checks them from outside with redis-cli: CMD gets the
// ports as SUMMON_PORT_*, and summon returns its exit code once everything is
// torn down. WAIT on the primary returns once the replica has the write, so
// the read that follows needs no retry. WAIT counts the writes of its own
// connection, hence one redis-cli for SET and WAIT; and it may take up to a
// second: after a diskless sync, Redis 7.0 streams writes to a replica only
// from the replica's next once-a-second ACK on.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

TEST_CASE("examples/redis-replica: a key set on the primary is read from the replica, twice over") {
  ExampleFolder example("redis-replica");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon({"run", "--", "sh", "-c",
                               "before=$(redis-cli -p \"$SUMMON_PORT_REPLICA\" EXISTS greeting) && "
                               "acked=$(printf 'SET greeting hello\\nWAIT 1 5000\\n' | "
                               "redis-cli -p \"$SUMMON_PORT_PRIMARY\" | tail -n 1) && "
                               "read=$(redis-cli -p \"$SUMMON_PORT_REPLICA\" GET greeting) && "
                               "echo \"before: $before, acked: $acked, read: $read\""});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    // Nothing kept from the round before; one replica acknowledged the write.
    CHECK(contains(run.out, "\nbefore: 0, acked: 1, read: hello\n"));
    CHECK(contains(run.out, "ms (notify)\n"));
    CHECK(contains(run.out, "ms (log)\n"));
    // The replica starts only once the primary is ready.
    const auto primary_ready = run.out.find("[summon] primary ready in ");
    const auto replica_started = run.out.find("[summon] replica started ");
    CHECK(primary_ready != std::string::npos);
    CHECK(replica_started != std::string::npos);
    CHECK(primary_ready < replica_started);
    CHECK(contains(run.out, "[summon] replica ready in "));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(started_pids(run.out).size() == 2);
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing

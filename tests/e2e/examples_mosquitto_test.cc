// examples/mosquitto: an MQTT broker on a port chosen per run, ready by READY=1
// on $NOTIFY_SOCKET; a retained message published to it is read back, and
// nothing is left after.
//
// `summon run -- CMD` checks it from outside with mosquitto_pub and
// mosquitto_sub: CMD gets the port as SUMMON_PORT_MQTT, and summon returns its
// exit code once everything is torn down. The message is retained, so the
// subscriber that comes after the publisher still gets it: no waits.
#include <pwd.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

// Who the broker should run as: mosquitto when summon is root (the broker drops
// root itself), else whoever runs summon.
std::string expected_broker_user() {
  if (::geteuid() == 0) return "mosquitto";
  const passwd* me = ::getpwuid(::geteuid());
  return me ? me->pw_name : "";
}

}  // namespace

TEST_CASE("examples/mosquitto: a retained message is read back from the broker, twice over") {
  ExampleFolder example("mosquitto");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    // -W 5: mosquitto_sub gives up after 5 s rather than hang the test.
    auto run = example.summon(
        {"run", "--", "sh", "-c",
         "mosquitto_pub -h 127.0.0.1 -p \"$SUMMON_PORT_MQTT\" -t summon/greeting -m hello -r && "
         "read=$(mosquitto_sub -h 127.0.0.1 -p \"$SUMMON_PORT_MQTT\" -t summon/greeting -C 1 -W 5) "
         "&& broker=$(pgrep -d, -fx 'mosquitto -c mosquitto.conf') && "
         "echo \"read: $read, broker runs as: $(ps -o user:32= -p \"$broker\")\""});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "\nread: hello, broker runs as: " + expected_broker_user() + "\n"));
    CHECK(contains(run.out, "[summon] config completed in "));
    CHECK(contains(run.out, "[summon] broker ready in "));
    CHECK(contains(run.out, "ms (notify)\n"));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(started_pids(run.out).size() == 2);
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing

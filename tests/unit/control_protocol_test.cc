#include "control/protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "control/peer.hpp"
#include "unit/schema_file.hpp"

using namespace summon::control;
using json = nlohmann::json;
using summon::testing::Schema;

namespace {

Request parsed(std::string_view line) {
  auto result = parse_request(line);
  if (const auto* error = std::get_if<std::string>(&result)) FAIL("refused: " << *error);
  return std::get<Request>(result);
}

std::string refused(std::string_view line) {
  auto result = parse_request(line);
  if (std::holds_alternative<Request>(result)) FAIL("accepted: " << line);
  return std::get<std::string>(result);
}

const Schema& request_schema() {
  static const Schema schema("control-request.schema.json");
  return schema;
}
const Schema& reply_schema() {
  static const Schema schema("control-reply.schema.json");
  return schema;
}
const Schema& ps_schema() {
  static const Schema schema("ps.schema.json");
  return schema;
}
const Schema& ls_schema() {
  static const Schema schema("ls.schema.json");
  return schema;
}

// A reply line as its JSON value, after checking it is one line.
json reply_value(const std::string& line) {
  REQUIRE(line.ends_with('\n'));
  REQUIRE(line.find('\n') == line.size() - 1);
  return json::parse(line);
}

json sample_service() {
  return {{"name", "db"},
          {"state", "ready"},
          {"pid", 123},
          {"since", "2026-12-02T02:30:00.123Z"},
          {"uptime_ms", 1234},
          {"restarts", 0},
          {"ready_ms", 210},
          {"cpu_ms", 12.5},
          {"memory_bytes", 8 << 20},
          {"ports", {{"PG", 5432}}},
          {"reason", nullptr}};
}

json sample_info() {
  return {{"name", "shop"},
          {"file", "/abs/services.yaml"},
          {"pid", 4242},
          {"run", false},
          {"services", 5},
          {"ready", 5},
          {"started_at", "2026-12-02T02:30:00.123Z"}};
}

}  // namespace

TEST_CASE("every command parses, with the fields it takes") {
  CHECK(parsed(R"({"command":"info"})") == Request{});
  CHECK(parsed(R"({"command":"ps"})").command == Command::ps);
  CHECK(parsed(R"({"command":"ps","services":["db","api"]})").services ==
        std::vector<std::string>{"db", "api"});

  const Request logs =
      parsed(R"({"command":"logs","services":["db"],"lines":100,"since":2.5,"follow":true})");
  CHECK(logs.command == Command::logs);
  CHECK(logs.services == std::vector<std::string>{"db"});
  CHECK(logs.lines == 100);
  CHECK(logs.since_seconds == 2.5);
  CHECK(logs.follow);
  CHECK(parsed(R"({"command":"logs","lines":0,"since":0,"follow":false})").lines == 0);
  CHECK(parsed(R"({"command":"logs","since":3})").since_seconds == 3.0);

  CHECK(parsed(R"({"command":"attach","services":["api"]})").command == Command::attach);
  CHECK(parsed(R"({"command":"stop","services":["db"]})").command == Command::stop);
  CHECK(parsed(R"({"command":"start","services":["db"]})").command == Command::start);
  CHECK(parsed(R"({"command":"restart","services":["db","api"]})").command == Command::restart);

  // The dashboard's live output: batches, at most one per "every" seconds.
  const Request batched = parsed(R"({"command":"logs","lines":200,"follow":true,"every":0.033})");
  CHECK(batched.every_seconds == 0.033);
  CHECK(batched.lines == 200);
  CHECK(refused(R"({"command":"logs","every":0.5})") == R"("every" needs "follow": true)");
  CHECK(refused(R"({"command":"logs","follow":true,"every":0})") ==
        R"("every" must be more than 0 seconds)");
  CHECK(refused(R"({"command":"logs","follow":true,"every":0.0001})") ==
        R"("every" must be at least 0.001 seconds)");
  CHECK(refused(R"({"command":"logs","follow":true,"every":"fast"})") ==
        R"("every" must be a number of seconds)");

  const Request down = parsed(R"({"command":"down","timeout":20})");
  CHECK(down.command == Command::down);
  CHECK(down.timeout_seconds == 20.0);
  CHECK_FALSE(parsed(R"({"command":"down"})").timeout_seconds);
  CHECK(parsed(R"({"command":"timeline"})").command == Command::timeline);
}

TEST_CASE("a request may end with its newline, and JSON's spaces are allowed") {
  CHECK(parsed("{\"command\":\"ps\"}\n").command == Command::ps);
  CHECK(parsed(" \t{ \"command\" : \"ps\" }\r\n").command == Command::ps);
}

TEST_CASE("what is not a JSON object is refused") {
  CHECK(refused("").starts_with("request is not JSON: "));
  CHECK(refused("ps").starts_with("request is not JSON: parse error at line 1, column"));
  CHECK(refused(R"({"command":"ps"} {})").starts_with("request is not JSON: "));
  CHECK(refused(R"({"command":"ps")").starts_with("request is not JSON: "));
  CHECK(refused("\xff\xfe").starts_with("request is not JSON: "));
  for (const char* line : {R"(["ps"])", R"("ps")", "42", "null", "true"})
    CHECK(refused(line) == R"(a request is a JSON object, such as {"command":"ps"})");
}

TEST_CASE("a request without a known command is refused, with the commands") {
  CHECK(
      refused("{}") ==
      R"(a request needs a "command": one of info, ps, logs, attach, stop, start, restart, down, timeline)");
  CHECK(
      refused(R"({"command":1})") ==
      R"("command" must be a string: one of info, ps, logs, attach, stop, start, restart, down, timeline)");
  CHECK(
      refused(R"({"command":"launch"})") ==
      R"(unknown command "launch": one of info, ps, logs, attach, stop, start, restart, down, timeline)");
  CHECK(refused(R"({"command":"restrat","services":["db"]})") ==
        R"(unknown command "restrat"; did you mean 'restart'?)");
  CHECK(refused(R"({"command":"PS"})").starts_with(R"(unknown command "PS")"));
}

TEST_CASE("ps may follow, as logs does, and takes nothing else of logs") {
  CHECK(parsed(R"({"command":"ps","follow":true})") == Request{Command::ps, {}, {}, {}, true, {}, {}});
  CHECK(parsed(R"({"command":"ps","services":["db"],"follow":false})") ==
        Request{Command::ps, {"db"}, {}, {}, false, {}, {}});
  CHECK(refused(R"({"command":"ps","follow":1})") == R"("follow" must be true or false)");
  CHECK(refused(R"({"command":"ps","follow":true,"lines":5})") ==
        R"("ps" takes no "lines"; it takes "services", "follow")");
  CHECK(refused(R"({"command":"ps","since":1})") ==
        R"("ps" takes no "since"; it takes "services", "follow")");
  CHECK(request_schema().holds(json::parse(R"({"command":"ps","follow":true})")));
  CHECK_FALSE(request_schema().holds(json::parse(R"({"command":"ps","follow":true,"lines":5})")));
}

TEST_CASE("an unknown field is refused, with the closest one") {
  CHECK(refused(R"({"command":"ps","servces":["db"]})") ==
        R"(unknown field "servces"; did you mean 'services'?)");
  CHECK(refused(R"({"command":"ps","x":1})") == R"(unknown field "x")");
}

TEST_CASE("a field of another command is refused") {
  CHECK(refused(R"({"command":"ps","lines":5})") ==
        R"("ps" takes no "lines"; it takes "services", "follow")");
  CHECK(refused(R"({"command":"info","services":["db"]})") ==
        R"("info" takes no "services"; it takes none)");
  CHECK(refused(R"({"command":"logs","timeout":5})") ==
        R"("logs" takes no "timeout"; it takes "services", "lines", "since", "follow", "every")");
  CHECK(refused(R"({"command":"ps","every":1})") ==
        R"("ps" takes no "every"; it takes "services", "follow")");
  CHECK(refused(R"({"command":"down","follow":true})") ==
        R"("down" takes no "follow"; it takes "timeout")");
}

TEST_CASE("fields of the wrong type are refused") {
  CHECK(refused(R"({"command":"ps","services":"db"})") ==
        R"("services" must be a list of service names)");
  CHECK(refused(R"({"command":"ps","services":[1]})") ==
        R"("services" must be a list of service names (strings))");
  CHECK(refused(R"({"command":"ps","services":["db",null]})") ==
        R"("services" must be a list of service names (strings))");
  CHECK(refused(R"({"command":"ps","services":[""]})") == R"("services" holds an empty name)");
  CHECK(refused(R"({"command":"ps","services":["a\u0000b"]})") ==
        R"("services" holds a name with a NUL)");
  CHECK(refused(R"({"command":"logs","lines":"5"})") == R"("lines" must be a number of lines)");
  CHECK(refused(R"({"command":"logs","follow":1})") == R"("follow" must be true or false)");
  CHECK(refused(R"({"command":"logs","since":"1s"})") == R"("since" must be a number of seconds)");
  CHECK(refused(R"({"command":"down","timeout":null})") ==
        R"("timeout" must be a number of seconds)");
}

TEST_CASE("numbers out of range are refused") {
  CHECK(refused(R"({"command":"logs","lines":-1})") == R"("lines" must be 0 or more)");
  CHECK(refused(R"({"command":"logs","lines":2.5})") == R"("lines" must be a whole number)");
  CHECK(refused(R"({"command":"logs","lines":9223372036854775808})") == R"("lines" is too large)");
  CHECK(refused(R"({"command":"logs","since":-0.5})") == R"("since" must be 0 or more seconds)");
  CHECK(refused(R"({"command":"logs","since":1e10})") ==
        R"("since" must be at most 1000000000 seconds)");
  CHECK(refused(R"({"command":"down","timeout":0})") == R"("timeout" must be more than 0 seconds)");
  CHECK(refused(R"({"command":"down","timeout":-3})") ==
        R"("timeout" must be more than 0 seconds)");
  CHECK(refused(R"({"command":"down","timeout":1e400})").starts_with("request is not JSON: "));
  CHECK(parsed(R"({"command":"logs","lines":9223372036854775807})").lines == 9223372036854775807L);
  CHECK(parsed(R"({"command":"down","timeout":1e9})").timeout_seconds == 1e9);
}

TEST_CASE("stop, start and restart need services to act on") {
  CHECK(refused(R"({"command":"stop"})") ==
        R"("stop" needs "services": the names of the services to stop)");
  CHECK(refused(R"({"command":"restart","services":[]})") ==
        R"("restart" needs "services": the names of the services to restart)");
}

TEST_CASE("a field given twice is refused") {
  CHECK(refused(R"({"command":"ps","command":"down"})") == R"("command" is given twice)");
  CHECK(refused(R"({"command":"logs","lines":1,"lines":2})") == R"("lines" is given twice)");
}

TEST_CASE("nested values are refused for what they are, however deep") {
  CHECK(refused(R"({"command":"ps","services":[["db"]]})") ==
        R"("services" must be a list of service names)");
  CHECK(refused(R"({"command":"logs","lines":[5]})") == R"("lines" must be a number of lines)");
  CHECK(
      refused(R"({"command":{"name":"ps"}})") ==
      R"("command" must be a string: one of info, ps, logs, attach, stop, start, restart, down, timeline)");
  const std::string deep =
      R"({"command":"ps","services":)" + std::string(30000, '[') + std::string(30000, ']') + "}";
  CHECK(refused(deep) == R"("services" must be a list of service names)");
  CHECK(refused(std::string(60000, '[')).starts_with("request is not JSON: "));
}

TEST_CASE("a request longer than 64 KiB is refused; one of 64 KiB is read") {
  const std::string head = R"({"command":"ps"})";
  const std::string longest = head + std::string(max_message - head.size(), ' ');
  REQUIRE(longest.size() == 64 * 1024);
  CHECK(parsed(longest).command == Command::ps);
  CHECK(parsed(longest + "\n").command == Command::ps);
  CHECK(refused(longest + " ") == "request longer than 65536 bytes");
  CHECK(refused(longest + " \n") == "request longer than 65536 bytes");
}

TEST_CASE("a NUL byte or a line break inside a request is refused") {
  CHECK(refused(std::string("{\"command\":\"ps\"}\0", 17)) == "request holds a NUL byte");
  CHECK(refused(std::string("{\"command\":\"p\0s\"}", 17)) == "request holds a NUL byte");
  CHECK(refused("{\"command\":\n\"ps\"}") == "a request is one line; this one holds a line break");
  CHECK(refused("{\"command\":\"ps\"}\n\n") ==
        "a request is one line; this one holds a line break");
}

TEST_CASE("what is quoted from a request in a message is cut short") {
  const std::string name(1000, 'x');
  const std::string message = refused(R"({"command":")" + name + R"("})");
  CHECK(message.size() < 200);
  CHECK(message.starts_with(R"(unknown command "xxxx)"));
  CHECK(message.find(R"(xxx...")") != std::string::npos);
}

TEST_CASE("request_line writes what parse_request reads back") {
  const std::vector<Request> requests = {
      Request{},
      Request{Command::ps, {}, {}, {}, false, {}, {}},
      Request{Command::ps, {"db", "api"}, {}, {}, false, {}, {}},
      Request{Command::ps, {"db"}, {}, {}, true, {}, {}},
      Request{Command::logs, {"db"}, 100, 2.5, true, {}, {}},
      Request{Command::logs, {}, 0, 0.0, false, {}, {}},
      Request{Command::logs, {}, {}, 0.1, false, {}, {}},
      Request{Command::attach, {"a \"quoted\" ü"}, {}, {}, false, {}, {}},
      Request{Command::stop, {"db"}, {}, {}, false, {}, {}},
      Request{Command::start, {"db"}, {}, {}, false, {}, {}},
      Request{Command::restart, {"db", "api"}, {}, {}, false, {}, {}},
      Request{Command::down, {}, {}, {}, false, 20.0, {}},
      Request{Command::down, {}, {}, {}, false, 1.0 / 3, {}},
      Request{Command::logs, {}, 200, {}, true, {}, 1.0 / 30},
      Request{Command::timeline, {}, {}, {}, false, {}, {}},
  };
  for (const Request& request : requests) {
    const std::string line = request_line(request);
    CAPTURE(line);
    CHECK(line.ends_with('\n'));
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(parsed(line) == request);
    CHECK(request_schema().problems(json::parse(line)) == "");
  }
  CHECK(request_line(Request{Command::logs, {"db"}, 5, {}, true, {}, {}}) ==
        "{\"command\":\"logs\",\"services\":[\"db\"],\"lines\":5,\"follow\":true}\n");
  CHECK(request_line(Request{}) == "{\"command\":\"info\"}\n");
}

TEST_CASE("command_name spells each command as a request does") {
  for (const auto& [command, name] :
       std::vector<std::pair<Command, std::string>>{{Command::info, "info"},
                                                    {Command::ps, "ps"},
                                                    {Command::logs, "logs"},
                                                    {Command::attach, "attach"},
                                                    {Command::stop, "stop"},
                                                    {Command::start, "start"},
                                                    {Command::restart, "restart"},
                                                    {Command::down, "down"},
                                                    {Command::timeline, "timeline"}})
    CHECK(command_name(command) == name);
}

TEST_CASE("replies are one JSON object on one line, \"ok\" first") {
  CHECK(error_reply("db: exited with code 1") ==
        "{\"ok\":false,\"error\":\"db: exited with code 1\"}\n");
  CHECK(error_reply("a \"quote\"\nand a line") ==
        "{\"ok\":false,\"error\":\"a \\\"quote\\\"\\nand a line\"}\n");
  CHECK(ok_reply() == "{\"ok\":true}\n");
  CHECK(ok_reply(json::object()) == "{\"ok\":true}\n");
  CHECK(ok_reply({{"project", "shop"}, {"services", json::array()}}) ==
        "{\"ok\":true,\"project\":\"shop\",\"services\":[]}\n");
  // The body cannot say otherwise.
  CHECK(ok_reply({{"ok", false}, {"a", 1}}) == "{\"ok\":true,\"a\":1}\n");
}

TEST_CASE("bytes that are not UTF-8 are replaced, not thrown") {
  const std::string bad = "caf\xc3";
  CHECK(error_reply(bad) == "{\"ok\":false,\"error\":\"caf\xef\xbf\xbd\"}\n");
  CHECK(json_line({{"line", {{"text", bad}}}}) == "{\"line\":{\"text\":\"caf\xef\xbf\xbd\"}}\n");
  CHECK(ok_reply({{bad, bad}}) == "{\"ok\":true,\"caf\xef\xbf\xbd\":\"caf\xef\xbf\xbd\"}\n");
}

TEST_CASE("times are written in RFC 3339, UTC, to the millisecond") {
  using namespace std::chrono;
  const sys_time<milliseconds> at =
      sys_days{year{2026} / 12 / 2} + hours{2} + minutes{30} + seconds{0} + milliseconds{123};
  CHECK(rfc3339(at) == "2026-12-02T02:30:00.123Z");
  CHECK(rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339(system_clock::time_point{} - microseconds{1}) == "1969-12-31T23:59:59.999Z");
  CHECK(rfc3339(at + microseconds{999}) == "2026-12-02T02:30:00.123Z");
}

TEST_CASE("a socketpair's peer is this process's user") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  CHECK(peer_uid(pair[0]) == ::geteuid());
  CHECK(peer_uid(pair[1]) == ::geteuid());
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST_CASE("peer_uid says nothing of what is not a connected Unix socket") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  CHECK_FALSE(peer_uid(pipe_fds[0]));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  const int unconnected = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(unconnected >= 0);
  CHECK_FALSE(peer_uid(unconnected));
  ::close(unconnected);
  CHECK_FALSE(peer_uid(-1));
}

TEST_CASE("the owner and root are served, no one else") {
  CHECK(peer_allowed(1000, 1000));
  CHECK(peer_allowed(0, 1000));
  CHECK(peer_allowed(0, 0));
  CHECK_FALSE(peer_allowed(1001, 1000));
  CHECK_FALSE(peer_allowed(1000, 0));
  CHECK_FALSE(peer_allowed(65534, 1000));
}

TEST_CASE("the schemas are JSON Schema draft-07 that valijson reads") {
  for (const Schema* schema : {&request_schema(), &reply_schema(), &ps_schema(), &ls_schema()}) {
    CHECK(schema->document.is_object());
    CHECK(schema->document.value("$schema", "") == "http://json-schema.org/draft-07/schema#");
  }
}

TEST_CASE("what parse_request refuses, the request schema refuses too") {
  for (const char* line :
       {R"({"command":"launch"})", R"({"command":"ps","servces":["db"]})",
        R"({"command":"ps","lines":5})", R"({"command":"logs","lines":-1})",
        R"({"command":"logs","lines":"5"})", R"({"command":"logs","since":-1})",
        R"({"command":"down","timeout":0})", R"({"command":"stop"})",
        R"({"command":"start","services":[]})", R"({"command":"ps","services":[""]})",
        R"({"command":"timeline","services":["db"]})",
        R"({"services":["db"]})", R"(["ps"])", R"({"command":"logs","every":1})",
        R"({"command":"logs","follow":true,"every":0.0001})"}) {
    CAPTURE(line);
    refused(line);
    CHECK_FALSE(request_schema().holds(json::parse(line)));
  }
}

TEST_CASE("the replies the server sends hold to the reply schema") {
  const auto holds = [](const std::string& line) {
    CAPTURE(line);
    CHECK(reply_schema().problems(reply_value(line)) == "");
  };
  holds(ok_reply());
  holds(error_reply("db: exited with code 1"));
  holds(ok_reply(sample_info()));
  json run_info = sample_info();
  run_info["run"] = true;
  run_info["ready"] = 3;
  holds(ok_reply(run_info));

  json failed = sample_service();
  failed["name"] = "api";
  failed["state"] = "failed";
  failed["pid"] = nullptr;
  failed["uptime_ms"] = 0;
  failed["restarts"] = 3;
  failed["ready_ms"] = nullptr;
  failed["cpu_ms"] = nullptr;
  failed["memory_bytes"] = nullptr;
  failed["ports"] = json::object();
  failed["reason"] = "exited with code 1 before it was ready";
  holds(ok_reply({{"project", "shop"}, {"services", {sample_service(), failed}}}));
  for (const char* state : {"pending", "starting", "started", "ready", "unhealthy", "completed",
                            "stopping", "killing", "backoff", "stopped", "failed", "skipped"}) {
    json service = sample_service();
    service["state"] = state;
    holds(ok_reply({{"project", "shop"}, {"services", {service}}}));
  }

  holds(json_line({{"line",
                    {{"service", "db"},
                     {"stream", "stdout"},
                     {"at", "2026-12-02T02:30:00.123Z"},
                     {"n", 41},
                     {"text", "listening"}}}}));
  holds(json_line(
      {{"line",
        {{"service", "db"}, {"stream", "stderr"}, {"at", "2026-12-02T02:30:00Z"}, {"n", 1}, {"text", ""}}}}));
  holds(json_line(
      {{"event", {{"at", "2026-12-02T02:30:00.123Z"}, {"text", "db ready in 1.21s (notify)"}}}}));
  holds(json_line({{"dropped", 12}}));
}

TEST_CASE("replies that break the protocol do not hold to the reply schema") {
  const auto breaks = [](const json& value) {
    CAPTURE(value.dump());
    CHECK_FALSE(reply_schema().holds(value));
  };
  breaks(json::object());
  breaks({{"ok", true}, {"unknown", 1}});
  breaks({{"ok", false}});
  breaks({{"ok", "yes"}});
  json info = sample_info();
  info.erase("ready");
  breaks(reply_value(ok_reply(info)));
  json service = sample_service();
  service["state"] = "sleeping";
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  service = sample_service();
  service["since"] = "yesterday";
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  service = sample_service();
  service["cpu_ms"] = -1;
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  service = sample_service();
  service["memory_bytes"] = 1.5;
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  service = sample_service();
  service.erase("cpu_ms");
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  service = sample_service();
  service["ports"] = {{"PG", 70000}};
  breaks(reply_value(ok_reply({{"project", "shop"}, {"services", {service}}})));
  breaks(
      {{"line",
        {{"service", "db"}, {"stream", "stdin"}, {"at", "2026-12-02T02:30:00Z"}, {"text", ""}}}});
  breaks({{"dropped", 0}});
}

TEST_CASE("ps --json and ls --json samples hold to their schemas") {
  CHECK(ps_schema().problems({{"project", "shop"}, {"services", {sample_service()}}}) == "");
  CHECK(ps_schema().problems({{"project", "shop"}, {"services", json::array()}}) == "");
  CHECK_FALSE(ps_schema().holds({{"ok", true}, {"project", "shop"}, {"services", json::array()}}));
  json service = sample_service();
  service.erase("reason");
  CHECK_FALSE(ps_schema().holds({{"project", "shop"}, {"services", {service}}}));

  json entry = sample_info();
  CHECK(ls_schema().problems(json::array({entry})) == "");
  entry.erase("started_at");
  CHECK(ls_schema().problems(json::array({entry, entry})) == "");
  CHECK(ls_schema().problems(json::array()) == "");
  json with_ok = sample_info();
  with_ok["ok"] = true;
  CHECK_FALSE(ls_schema().holds(json::array({with_ok})));
  CHECK_FALSE(ls_schema().holds(sample_info()));
}

TEST_CASE("a service looks the same in ps --json as in the ps reply") {
  CHECK(ps_schema().document["definitions"]["service"] ==
        reply_schema().document["definitions"]["service"]);
  CHECK(ps_schema().document["definitions"]["time"] ==
        reply_schema().document["definitions"]["time"]);
}

// The tcp, http and unix probes against real loopback sockets and a tiny
// HTTP server, all on one loop that the tests drive with deadlines.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "http_server.hpp"
#include "loop_helpers.hpp"
#include "runtime/net_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace asio = boost::asio;
namespace config = summon::config;
using asio::ip::tcp;
using summon::runtime::Probe;
using summon::runtime::SpawnRequest;
using summon::test::Clock;
using summon::test::free_port;
using summon::test::listen_on_v6_loopback;
using summon::test::response;
using summon::test::Seen;
using summon::test::TestServer;
using summon::test::v4_loopback;
using summon::test::v6_loopback;
using namespace std::chrono_literals;

namespace {

config::TcpProbe tcp_spec(std::string host, int port) {
  return config::TcpProbe{std::move(host), config::PortValue{port, ""}};
}

config::HttpProbe http_spec(std::string url) {
  config::HttpProbe spec;
  spec.url = std::move(url);
  return spec;
}

// A loop and what its probes sent; each start_* makes a probe polling every
// 100 ms and starts it.
struct Harness : summon::test::Harness {
  std::unique_ptr<Probe> start_tcp(std::string host, int port) {
    return started(summon::runtime::make_tcp_probe(tcp_spec(std::move(host), port), 100ms, target,
                                                   context, events()));
  }
  std::unique_ptr<Probe> start_http(config::HttpProbe spec) {
    return started(summon::runtime::make_http_probe(spec, 100ms, target, context, events()));
  }
  std::unique_ptr<Probe> start_http(std::string url) {
    return start_http(http_spec(std::move(url)));
  }
  std::unique_ptr<Probe> start_unix(std::string path) {
    return started(summon::runtime::make_unix_probe(config::UnixProbe{std::move(path)}, 100ms,
                                                    target, context, events()));
  }

 private:
  static std::unique_ptr<Probe> started(std::unique_ptr<Probe> probe) {
    probe->start();
    return probe;
  }
};

struct Outcome {
  bool ready = false;
  std::string last;
};

// One probe against a server that always sends `served`: ready, or what it
// saw after its first answer.
Outcome probe_once(config::HttpProbe spec, const std::string& served) {
  Harness h;
  TestServer server(h.io);
  server.answer(served);
  spec.url = fmt::format("http://127.0.0.1:{}/health", server.port());
  auto probe = h.start_http(spec);
  h.run_until([&] { return h.ready > 0 || !probe->last_result().empty(); });
  return Outcome{h.ready == 1, probe->last_result()};
}

std::string with_status(int status) {
  return response(status);
}

config::HttpProbe with_ranges(std::vector<config::StatusRange> ranges) {
  config::HttpProbe spec;
  spec.status = std::move(ranges);
  return spec;
}

config::HttpProbe with_body(std::string pattern) {
  config::HttpProbe spec;
  spec.body = std::move(pattern);
  return spec;
}

}  // namespace

TEST_CASE("tcp: ready within a few ms of a listener appearing") {
  Harness h;
  const int port = free_port(h.io);
  auto probe = h.start_tcp("127.0.0.1", port);

  std::optional<tcp::acceptor> listener;
  Clock::time_point opened;
  asio::steady_timer later(h.io, 300ms);
  later.async_wait([&](const boost::system::error_code&) {
    listener.emplace(h.io, tcp::endpoint(v4_loopback, static_cast<unsigned short>(port)));
    opened = Clock::now();
  });

  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  const auto delay = std::chrono::duration<double, std::milli>(h.ready_at - opened);
  MESSAGE(fmt::format("tcp probe saw the listener {:.2f} ms after it opened", delay.count()));
  // At 300 ms the probe tries every 15 ms; the rest is slack for a busy machine.
  CHECK(delay < 50ms);
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connected", port));

  h.run_for(50ms);
  CHECK(h.ready == 1);
  CHECK(h.failures.empty());
}

TEST_CASE("tcp: last_result names the address tried and the refusal") {
  Harness h;
  const int port = free_port(h.io);
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("127.0.0.1", port), 100ms, h.target,
                                               h.context, h.events());
  CHECK(probe->last_result().empty());
  probe->start();
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connection refused", port));

  h.run_for(50ms);  // a refusal is "not yet", never a failure
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

TEST_CASE("tcp: localhost names 127.0.0.1 when neither address answers") {
  Harness h;
  const int port = free_port(h.io);
  auto probe = h.start_tcp("localhost", port);
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connection refused", port));
}

TEST_CASE("tcp: localhost reaches a listener bound only to 127.0.0.1") {
  Harness h;
  tcp::acceptor listener(h.io, tcp::endpoint(v4_loopback, 0));
  const int port = listener.local_endpoint().port();
  auto probe = h.start_tcp("localhost", port);
  CHECK(h.run_until([&] { return h.ready > 0; }));
}

TEST_CASE("tcp: localhost reaches a listener bound only to ::1") {
  Harness h;
  auto listener = listen_on_v6_loopback(h.io);
  if (!listener) return;
  const int port = listener->local_endpoint().port();
  auto probe = h.start_tcp("localhost", port);
  CHECK(h.run_until([&] { return h.ready > 0; }));
  CHECK(probe->last_result() == fmt::format("tcp [::1]:{}: connected", port));
}

TEST_CASE("tcp: a connect accepted by a process that is not the service's does not count") {
  Harness h;
  tcp::acceptor listener(h.io, tcp::endpoint(v4_loopback, 0));
  const int port = listener.local_endpoint().port();
  h.target.owns = [](pid_t) { return false; };  // the test program, which listens, is not "web"
  auto probe = h.start_tcp("127.0.0.1", port);
  REQUIRE(h.run_until_tried(*probe));
  h.run_for(250ms);  // tried again and again: still not the service's
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
  CHECK(probe->last_result().starts_with(
      fmt::format("tcp 127.0.0.1:{}: accepted by pid {} (", port, ::getpid())));
  CHECK(probe->last_result().ends_with("), not by a process of web"));

  // Once the service's own process holds it, the connect counts.
  h.target.owns = [](pid_t pid) { return pid == ::getpid(); };
  auto second = h.start_tcp("127.0.0.1", port);
  CHECK(h.run_until([&] { return h.ready > 0; }));
}

TEST_CASE("tcp: a host name is resolved") {
  Harness h;
  char name[256] = {};
  REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  boost::system::error_code unresolved;
  tcp::resolver(h.io).resolve(name, "80", unresolved);
  if (unresolved) {
    MESSAGE(fmt::format("this machine's name '{}' does not resolve: skipped", name));
    return;
  }
  // Every address the name may resolve to is a local one: listen on all.
  tcp::acceptor listener(h.io);
  boost::system::error_code error;
  listener.open(tcp::v6(), error);
  if (!error) listener.set_option(asio::ip::v6_only(false), error);
  if (!error) listener.bind(tcp::endpoint(tcp::v6(), 0), error);
  if (error) {
    listener.close(error);
    listener.open(tcp::v4());
    listener.bind(tcp::endpoint(tcp::v4(), 0));
  }
  listener.listen();
  const int port = listener.local_endpoint().port();

  auto probe = h.start_tcp(name, port);
  INFO("last result: ", probe->last_result());
  CHECK(h.run_until([&] { return h.ready > 0; }));
}

TEST_CASE("http: ready once the server answers 200 after 503") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(503));
  const std::string url = fmt::format("http://127.0.0.1:{}/health", server.port());
  auto probe = h.start_http(url);
  const std::string refused = fmt::format("http 127.0.0.1:{}/health: status 503", server.port());
  REQUIRE(h.run_until([&] { return probe->last_result() == refused; }));
  CHECK(h.ready == 0);

  server.answer(response(200, "ok"));
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  CHECK(probe->last_result() == fmt::format("http 127.0.0.1:{}/health: status 200", server.port()));
  h.run_for(50ms);
  CHECK(h.ready == 1);
  CHECK(h.failures.empty());
}

TEST_CASE("http: the request carries the method, target, Host, User-Agent and headers") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(200));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}/health?full=1#top", server.port()));
  spec.method = "POST";
  spec.headers = {{"X-Token", "abc"}};
  auto probe = h.start_http(spec);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  REQUIRE(server.requests().size() == 1);
  const std::string& request = server.requests().front();
  CHECK(request.rfind("POST /health?full=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", server.port())) !=
        std::string::npos);
  CHECK(request.find("\r\nUser-Agent: summon\r\n") != std::string::npos);
  CHECK(request.find("\r\nX-Token: abc\r\n") != std::string::npos);
}

TEST_CASE("http: a URL without a path asks for /, and a Host header given wins") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(200));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}", server.port()));
  spec.headers = {{"Host", "api.test"}};
  auto probe = h.start_http(spec);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests().front().rfind("GET / HTTP/1.1\r\n", 0) == 0);
  CHECK(server.requests().front().find("\r\nHost: api.test\r\n") != std::string::npos);
}

TEST_CASE("http: with no status list, any 2xx or 3xx is ready") {
  CHECK(probe_once({}, with_status(200)).ready);
  CHECK(probe_once({}, with_status(204)).ready);
  CHECK(probe_once({}, with_status(399)).ready);
  CHECK_FALSE(probe_once({}, with_status(199)).ready);
  CHECK_FALSE(probe_once({}, with_status(404)).ready);
  const Outcome unavailable = probe_once({}, with_status(503));
  CHECK_FALSE(unavailable.ready);
  CHECK(unavailable.last.ends_with(": status 503"));
}

TEST_CASE("http: a status list accepts exactly its codes and classes") {
  const auto only_200 = with_ranges({{200, 200}});
  CHECK(probe_once(only_200, with_status(200)).ready);
  CHECK_FALSE(probe_once(only_200, with_status(204)).ready);

  const auto no_content_or_5xx = with_ranges({{204, 204}, {500, 599}});
  CHECK(probe_once(no_content_or_5xx, with_status(204)).ready);
  CHECK(probe_once(no_content_or_5xx, with_status(503)).ready);
  CHECK_FALSE(probe_once(no_content_or_5xx, with_status(200)).ready);
}

TEST_CASE("http: a redirect is judged as its own status and not followed") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(302, "", "Location: /elsewhere\r\n"));
  const std::string url = fmt::format("http://127.0.0.1:{}/health", server.port());
  auto spec = http_spec(url);
  spec.status = {{200, 200}};
  auto probe = h.start_http(spec);
  REQUIRE(h.run_until([&] { return server.requests().size() >= 3; }));
  CHECK(probe->last_result() == fmt::format("http 127.0.0.1:{}/health: status 302", server.port()));
  for (const auto& request : server.requests()) CHECK(request.rfind("GET /health ", 0) == 0);
  CHECK(h.ready == 0);

  CHECK(probe_once({}, response(302, "", "Location: /elsewhere\r\n")).ready);
}

TEST_CASE("http: the body pattern is searched in the body") {
  CHECK(probe_once(with_body("ok"), response(200, "status: ok\n")).ready);
  CHECK(probe_once(with_body("^status: (ok|degraded)$"), response(200, "status: ok")).ready);

  const Outcome starting = probe_once(with_body("^ok"), response(200, "starting"));
  CHECK_FALSE(starting.ready);
  CHECK(starting.last.ends_with(": status 200 but the body does not match '^ok'"));
  CHECK(starting.last.rfind("http 127.0.0.1:", 0) == 0);
}

TEST_CASE("http: the body pattern is checked only when the status is accepted") {
  const Outcome outcome = probe_once(with_body("ok"), response(503, "ok"));
  CHECK_FALSE(outcome.ready);
  CHECK(outcome.last.ends_with(": status 503"));
}

TEST_CASE("http: a body over 64 KiB is judged on its first 64 KiB") {
  const std::string long_tail(100 * 1024, 'x');
  CHECK(probe_once(with_body("^ready"), response(200, "ready" + long_tail)).ready);

  const std::string first_64k(64 * 1024, 'x');
  const Outcome beyond = probe_once(with_body("tail"), response(200, first_64k + "tail"));
  CHECK_FALSE(beyond.ready);
  CHECK(beyond.last.ends_with(": status 200 but the body does not match 'tail'"));
}

TEST_CASE("http: a body without a length ends with the connection") {
  CHECK(
      probe_once(with_body("good$"), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall good").ready);
}

TEST_CASE("http: a HEAD response is not waited on for a body") {
  auto spec = with_body("^$");
  spec.method = "HEAD";
  CHECK(probe_once(spec, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n").ready);
}

TEST_CASE("http: last_result says when the connection is refused") {
  Harness h;
  const int port = free_port(h.io);
  auto probe = h.start_http(fmt::format("http://localhost:{}/health", port));
  REQUIRE(h.run_until_tried(*probe));
  // The kind says http; the URL follows without its scheme.
  CHECK(probe->last_result() == fmt::format("http localhost:{}/health: connection refused", port));
  CHECK(h.failures.empty());
}

TEST_CASE("http: localhost and a bracketed ::1 reach a server on ::1") {
  Harness h;
  if (!listen_on_v6_loopback(h.io)) return;
  TestServer server(h.io, v6_loopback);
  server.answer(response(200));
  for (const char* host : {"localhost", "[::1]"}) {
    CAPTURE(host);
    Seen seen;
    auto probe = summon::runtime::make_http_probe(
        http_spec(fmt::format("http://{}:{}/", host, server.port())), 100ms, h.target, h.context,
        seen.events());
    probe->start();
    CHECK(h.run_until([&] { return seen.ready > 0; }));
  }
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0].find(fmt::format("\r\nHost: localhost:{}\r\n", server.port())) !=
        std::string::npos);
  CHECK(server.requests()[1].find(fmt::format("\r\nHost: [::1]:{}\r\n", server.port())) !=
        std::string::npos);
}

TEST_CASE("http: a malformed URL is refused before the service starts") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://x/", "only http:// URLs are supported"},
      {"https://x/", "only http:// URLs are supported"},
      {"http:///health", "no host"},
      {"http://x:/", "no port after the ':'"},
      {"http://x:99999/", "bad port '99999'"},
      {"http://x:8o/", "bad port '8o'"},
      {"http://[::1/", "no ']' after the IPv6 address"},
      {"http://[nope]/", "'nope' is not an IPv6 address"},
      {"http://user:pw@x/", "user names and passwords are not supported"},
  };
  for (const auto& [url, reason] : cases) {
    CAPTURE(url);
    Harness h;
    auto probe =
        summon::runtime::make_http_probe(http_spec(url), 100ms, h.target, h.context, h.events());
    SpawnRequest request;
    CHECK(probe->prepare(request) == fmt::format("http: invalid URL '{}': {}", url, reason));
    h.run_for(20ms);  // the refusal is all: no event follows
    CHECK(h.failures.empty());
    CHECK(h.ready == 0);
  }
}

TEST_CASE("http: an invalid body pattern is refused before the service starts") {
  Harness h;
  auto spec = http_spec("http://127.0.0.1:1/");
  spec.body = "(";
  auto probe = summon::runtime::make_http_probe(spec, 100ms, h.target, h.context, h.events());
  SpawnRequest request;
  const auto problem = probe->prepare(request);
  REQUIRE(problem);
  CHECK(problem->rfind("http: invalid body pattern '(': ", 0) == 0);
}

TEST_CASE("http: a valid URL and body pattern let the service start") {
  Harness h;
  auto spec = http_spec("http://127.0.0.1:1/");
  spec.body = "ok";
  auto probe = summon::runtime::make_http_probe(spec, 100ms, h.target, h.context, h.events());
  SpawnRequest request;
  CHECK(probe->prepare(request) == std::nullopt);
}

TEST_CASE("unix: ready once the socket appears") {
  Harness h;
  const std::string path = h.dir.path + "/svc.sock";
  auto probe = h.start_unix(path);
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == fmt::format("unix {}: no such file or directory", path));

  asio::local::stream_protocol::acceptor listener(h.io,
                                                  asio::local::stream_protocol::endpoint(path));
  const auto opened = Clock::now();
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  MESSAGE(fmt::format("unix probe saw the socket {:.2f} ms after it opened",
                      std::chrono::duration<double, std::milli>(h.ready_at - opened).count()));
  h.run_for(20ms);
  CHECK(h.ready == 1);
  CHECK(h.failures.empty());
}

TEST_CASE("unix: a socket file nobody listens on is refused") {
  Harness h;
  const std::string path = h.dir.path + "/stale.sock";
  {
    asio::local::stream_protocol::acceptor gone(h.io, asio::local::stream_protocol::endpoint(path));
  }  // closed: the file stays behind
  auto probe = h.start_unix(path);
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == fmt::format("unix {}: connection refused", path));
  CHECK(h.ready == 0);
}

TEST_CASE("unix: a path too long for a socket is said so") {
  Harness h;
  const std::string path = "/tmp/" + std::string(200, 'x');
  auto probe = h.start_unix(path);
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == fmt::format("unix {}: file name too long", path));
  h.run_for(20ms);
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

TEST_CASE("destroying a tcp probe mid-attempt: no event afterwards") {
  Harness h;
  tcp::acceptor listener(h.io, tcp::endpoint(v4_loopback, 0));
  auto probe = h.start_tcp(
      "localhost",
      listener.local_endpoint().port());  // the connect would succeed on the next turn of the loop
  probe.reset();
  h.run_for(100ms);
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

TEST_CASE("destroying a tcp probe while it waits to retry: no event afterwards") {
  Harness h;
  const int port = free_port(h.io);
  auto probe = h.start_tcp("127.0.0.1", port);
  REQUIRE(h.run_until_tried(*probe));
  probe.reset();
  tcp::acceptor listener(h.io, tcp::endpoint(v4_loopback, static_cast<unsigned short>(port)));
  h.run_for(100ms);
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

TEST_CASE("destroying an http probe while the server holds the request: no event afterwards") {
  Harness h;
  TestServer server(h.io);
  server.hold();
  auto probe = h.start_http(http_spec(fmt::format("http://127.0.0.1:{}/", server.port())));
  REQUIRE(h.run_until([&] { return server.requests().size() == 1; }));
  probe.reset();
  h.run_for(100ms);
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
  CHECK(server.requests().size() == 1);
}

TEST_CASE("destroying an http probe before its answer is read: no event afterwards") {
  Harness h;
  TestServer server(h.io);
  server.answer(response(200, "ok"));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}/", server.port()));
  spec.body = "ok";
  auto probe = h.start_http(spec);
  REQUIRE(h.run_until([&] { return server.requests().size() == 1; }));
  probe.reset();  // the response is on its way
  h.run_for(100ms);
  CHECK(h.ready == 0);
}

TEST_CASE("destroying an http probe with a malformed URL before the loop runs: no event") {
  Harness h;
  auto probe = h.start_http("ftp://x/");
  probe.reset();
  h.run_for(20ms);
  CHECK(h.failures.empty());
}

TEST_CASE("destroying a unix probe mid-attempt: no event afterwards") {
  Harness h;
  const std::string path = h.dir.path + "/svc.sock";
  asio::local::stream_protocol::acceptor listener(h.io,
                                                  asio::local::stream_protocol::endpoint(path));
  auto probe = h.start_unix(path);
  probe.reset();
  h.run_for(50ms);
  CHECK(h.ready == 0);
}

TEST_CASE("probe connections are close-on-exec: a program's own children never inherit them") {
  asio::io_context io;
  tcp::acceptor listener(io, tcp::endpoint(v4_loopback, 0));
  boost::beast::tcp_stream stream(io);
  summon::runtime::TcpConnect connect(io, stream);
  std::optional<boost::system::error_code> result;
  connect.start("127.0.0.1", listener.local_endpoint().port(), Clock::now() + 5s,
                [&](const boost::system::error_code& error, const auto&) { result = error; });
  io.run_for(5s);
  REQUIRE(result);
  REQUIRE_FALSE(*result);
  CHECK((::fcntl(stream.socket().native_handle(), F_GETFD) & FD_CLOEXEC) != 0);

  // The same helper opens the unix probe's socket.
  asio::local::stream_protocol::socket unix_socket(io);
  summon::runtime::open_close_on_exec(unix_socket, asio::local::stream_protocol());
  REQUIRE(unix_socket.is_open());
  CHECK((::fcntl(unix_socket.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
}

// The tcp, http and unix probes against real loopback sockets and a tiny
// HTTP server, all on one loop that the tests drive with deadlines.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "runtime/child_reaper.hpp"
#include "runtime/probe_kinds.hpp"

namespace asio = boost::asio;
namespace config = summon::config;
using asio::ip::tcp;
using summon::runtime::ChildReaper;
using summon::runtime::ProbeContext;
using summon::runtime::ProbeEvents;
using summon::runtime::ProbeTarget;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// What the probe needs around it; declared before the probe, so the probe
// goes first.
struct Loop {
  asio::io_context io;
  ChildReaper reaper{io};
  ProbeContext context{io, reaper, "/tmp"};
  ProbeTarget target{"svc", {}, "/", std::nullopt};

  // Runs the loop until `done()` holds or `limit` passes; returns done().
  template <typename Done>
  bool run_until(Done done, Clock::duration limit = 5s) {
    auto work = asio::make_work_guard(io);  // so an idle loop waits instead of returning
    io.restart();
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) io.run_one_until(deadline);
    return done();
  }

  // Runs whatever comes for `span`: to see that nothing more happens.
  void run_for(Clock::duration span) {
    run_until([] { return false; }, span);
  }
};

// Every event a probe sent.
struct Seen {
  int ready = 0;
  int failed = 0;
  std::string why;
  Clock::time_point ready_at;

  ProbeEvents events() {
    return ProbeEvents{[this] {
                         ++ready;
                         ready_at = Clock::now();
                       },
                       [this](std::string text) {
                         ++failed;
                         why = std::move(text);
                       },
                       {}};
  }
};

const asio::ip::address v4_loopback = asio::ip::address_v4::loopback();
const asio::ip::address v6_loopback = asio::ip::address_v6::loopback();

// A port nothing listens on: one the kernel just handed out and took back.
int free_port(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(v4_loopback, 0));
  return acceptor.local_endpoint().port();
}

// A listener on ::1, or nullopt on a machine without IPv6 loopback.
std::optional<tcp::acceptor> listen_on_v6_loopback(asio::io_context& io, int port = 0) {
  tcp::acceptor acceptor(io);
  boost::system::error_code error;
  acceptor.open(tcp::v6(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(tcp::endpoint(v6_loopback, static_cast<unsigned short>(port)), error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return std::nullopt;
  return acceptor;
}

config::TcpProbe tcp_spec(std::string host, int port) {
  return config::TcpProbe{std::move(host), config::PortValue{port, ""}};
}

// Answers each request with the current canned response and closes the
// connection; or, holding, reads requests and never answers.
class TestServer {
 public:
  explicit TestServer(asio::io_context& io, asio::ip::address address = v4_loopback)
      : acceptor_(io, tcp::endpoint(address, 0)) {
    accept();
  }

  int port() const { return acceptor_.local_endpoint().port(); }
  void answer(std::string response) { response_ = std::move(response); }
  void hold() { holding_ = true; }
  // Each request's head, as received.
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  struct Connection {
    explicit Connection(tcp::socket socket) : socket(std::move(socket)) {}
    tcp::socket socket;
    std::string received;
    std::string response;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
      if (error) return;
      serve(std::make_shared<Connection>(std::move(socket)));
      accept();
    });
  }

  void serve(const std::shared_ptr<Connection>& connection) {
    asio::async_read_until(
        connection->socket, asio::dynamic_buffer(connection->received), "\r\n\r\n",
        [this, connection](const boost::system::error_code& error, std::size_t length) {
          if (error) return;
          requests_.push_back(connection->received.substr(0, length));
          if (holding_) {
            held_.push_back(connection);
            return;
          }
          connection->response = response_;
          asio::async_write(connection->socket, asio::buffer(connection->response),
                            [connection](const boost::system::error_code&, std::size_t) {
                              boost::system::error_code ignored;
                              connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
                            });
        });
  }

  tcp::acceptor acceptor_;
  std::string response_;
  bool holding_ = false;
  std::vector<std::string> requests_;
  std::vector<std::shared_ptr<Connection>> held_;
};

std::string response(int status, const std::string& body = "", const std::string& headers = "") {
  return fmt::format("HTTP/1.1 {} Whatever\r\nContent-Length: {}\r\n{}\r\n{}", status, body.size(),
                     headers, body);
}

config::HttpProbe http_spec(std::string url) {
  config::HttpProbe spec;
  spec.url = std::move(url);
  return spec;
}

struct Outcome {
  bool ready = false;
  std::string last;
};

// One probe against a server that always sends `served`: ready, or what it
// saw after its first answer.
Outcome probe_once(config::HttpProbe spec, const std::string& served) {
  Loop loop;
  TestServer server(loop.io);
  server.answer(served);
  spec.url = fmt::format("http://127.0.0.1:{}/health", server.port());
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  loop.run_until([&] { return seen.ready > 0 || !probe->last_result().empty(); });
  return Outcome{seen.ready == 1, probe->last_result()};
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

// A fresh folder under /tmp, removed with everything in it at the end.
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/summon-net-XXXXXX";
    if (const char* made = ::mkdtemp(pattern)) path = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

}  // namespace

TEST_CASE("tcp: ready within a few ms of a listener appearing") {
  Loop loop;
  const int port = free_port(loop.io);
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("127.0.0.1", port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();

  std::optional<tcp::acceptor> listener;
  Clock::time_point opened;
  asio::steady_timer later(loop.io, 300ms);
  later.async_wait([&](const boost::system::error_code&) {
    listener.emplace(loop.io, tcp::endpoint(v4_loopback, static_cast<unsigned short>(port)));
    opened = Clock::now();
  });

  REQUIRE(loop.run_until([&] { return seen.ready > 0; }));
  const auto delay = std::chrono::duration<double, std::milli>(seen.ready_at - opened);
  MESSAGE(fmt::format("tcp probe saw the listener {:.2f} ms after it opened", delay.count()));
  // At 300 ms the probe tries every 15 ms; the rest is slack for a busy machine.
  CHECK(delay < 50ms);
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connected", port));

  loop.run_for(50ms);
  CHECK(seen.ready == 1);
  CHECK(seen.failed == 0);
}

TEST_CASE("tcp: last_result names the address tried and the refusal") {
  Loop loop;
  const int port = free_port(loop.io);
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("127.0.0.1", port), 100ms, loop.target,
                                               loop.context, seen.events());
  CHECK(probe->last_result().empty());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connection refused", port));

  loop.run_for(50ms);  // a refusal is "not yet", never a failure
  CHECK(seen.ready == 0);
  CHECK(seen.failed == 0);
}

TEST_CASE("tcp: localhost names 127.0.0.1 when neither address answers") {
  Loop loop;
  const int port = free_port(loop.io);
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("localhost", port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  CHECK(probe->last_result() == fmt::format("tcp 127.0.0.1:{}: connection refused", port));
}

TEST_CASE("tcp: localhost reaches a listener bound only to 127.0.0.1") {
  Loop loop;
  tcp::acceptor listener(loop.io, tcp::endpoint(v4_loopback, 0));
  const int port = listener.local_endpoint().port();
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("localhost", port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();
  CHECK(loop.run_until([&] { return seen.ready > 0; }));
}

TEST_CASE("tcp: localhost reaches a listener bound only to ::1") {
  Loop loop;
  auto listener = listen_on_v6_loopback(loop.io);
  if (!listener) {
    MESSAGE("no IPv6 loopback here: skipped");
    return;
  }
  const int port = listener->local_endpoint().port();
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("localhost", port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();
  CHECK(loop.run_until([&] { return seen.ready > 0; }));
  CHECK(probe->last_result() == fmt::format("tcp [::1]:{}: connected", port));
}

TEST_CASE("tcp: a host name is resolved") {
  Loop loop;
  char name[256] = {};
  REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  boost::system::error_code unresolved;
  tcp::resolver(loop.io).resolve(name, "80", unresolved);
  if (unresolved) {
    MESSAGE(fmt::format("this machine's name '{}' does not resolve: skipped", name));
    return;
  }
  // Every address the name may resolve to is a local one: listen on all.
  tcp::acceptor listener(loop.io);
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

  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec(name, port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();
  INFO("last result: ", probe->last_result());
  CHECK(loop.run_until([&] { return seen.ready > 0; }));
}

TEST_CASE("http: ready once the server answers 200 after 503") {
  Loop loop;
  TestServer server(loop.io);
  server.answer(response(503));
  const std::string url = fmt::format("http://127.0.0.1:{}/health", server.port());
  Seen seen;
  auto probe = summon::runtime::make_http_probe(http_spec(url), 100ms, loop.target, loop.context,
                                                seen.events());
  probe->start();
  const std::string refused = fmt::format("http {}: status 503", url);
  REQUIRE(loop.run_until([&] { return probe->last_result() == refused; }));
  CHECK(seen.ready == 0);

  server.answer(response(200, "ok"));
  REQUIRE(loop.run_until([&] { return seen.ready > 0; }));
  CHECK(probe->last_result() == fmt::format("http {}: status 200", url));
  loop.run_for(50ms);
  CHECK(seen.ready == 1);
  CHECK(seen.failed == 0);
}

TEST_CASE("http: the request carries the method, target, Host, User-Agent and headers") {
  Loop loop;
  TestServer server(loop.io);
  server.answer(response(200));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}/health?full=1#top", server.port()));
  spec.method = "POST";
  spec.headers = {{"X-Token", "abc"}};
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return seen.ready > 0; }));
  REQUIRE(server.requests().size() == 1);
  const std::string& request = server.requests().front();
  CHECK(request.rfind("POST /health?full=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", server.port())) !=
        std::string::npos);
  CHECK(request.find("\r\nUser-Agent: summon\r\n") != std::string::npos);
  CHECK(request.find("\r\nX-Token: abc\r\n") != std::string::npos);
}

TEST_CASE("http: a URL without a path asks for /, and a Host header given wins") {
  Loop loop;
  TestServer server(loop.io);
  server.answer(response(200));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}", server.port()));
  spec.headers = {{"Host", "api.test"}};
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return seen.ready > 0; }));
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
  Loop loop;
  TestServer server(loop.io);
  server.answer(response(302, "", "Location: /elsewhere\r\n"));
  const std::string url = fmt::format("http://127.0.0.1:{}/health", server.port());
  auto spec = http_spec(url);
  spec.status = {{200, 200}};
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return server.requests().size() >= 3; }));
  CHECK(probe->last_result() == fmt::format("http {}: status 302", url));
  for (const auto& request : server.requests()) CHECK(request.rfind("GET /health ", 0) == 0);
  CHECK(seen.ready == 0);

  CHECK(probe_once({}, response(302, "", "Location: /elsewhere\r\n")).ready);
}

TEST_CASE("http: the body pattern is searched in the body") {
  CHECK(probe_once(with_body("ok"), response(200, "status: ok\n")).ready);
  CHECK(probe_once(with_body("^status: (ok|degraded)$"), response(200, "status: ok")).ready);

  const Outcome starting = probe_once(with_body("^ok"), response(200, "starting"));
  CHECK_FALSE(starting.ready);
  CHECK(starting.last.ends_with(": status 200 but the body does not match '^ok'"));
  CHECK(starting.last.rfind("http http://127.0.0.1:", 0) == 0);
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
  Loop loop;
  const std::string url = fmt::format("http://localhost:{}/health", free_port(loop.io));
  Seen seen;
  auto probe = summon::runtime::make_http_probe(http_spec(url), 100ms, loop.target, loop.context,
                                                seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  CHECK(probe->last_result() == fmt::format("http {}: connection refused", url));
  CHECK(seen.failed == 0);
}

TEST_CASE("http: localhost and a bracketed ::1 reach a server on ::1") {
  Loop loop;
  if (!listen_on_v6_loopback(loop.io)) {
    MESSAGE("no IPv6 loopback here: skipped");
    return;
  }
  TestServer server(loop.io, v6_loopback);
  server.answer(response(200));
  for (const char* host : {"localhost", "[::1]"}) {
    CAPTURE(host);
    Seen seen;
    auto probe = summon::runtime::make_http_probe(
        http_spec(fmt::format("http://{}:{}/", host, server.port())), 100ms, loop.target,
        loop.context, seen.events());
    probe->start();
    CHECK(loop.run_until([&] { return seen.ready > 0; }));
  }
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0].find(fmt::format("\r\nHost: localhost:{}\r\n", server.port())) !=
        std::string::npos);
  CHECK(server.requests()[1].find(fmt::format("\r\nHost: [::1]:{}\r\n", server.port())) !=
        std::string::npos);
}

TEST_CASE("http: a malformed URL fails, from the loop and once") {
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
    Loop loop;
    Seen seen;
    auto probe = summon::runtime::make_http_probe(http_spec(url), 100ms, loop.target, loop.context,
                                                  seen.events());
    probe->start();
    CHECK(seen.failed == 0);  // not from inside start()
    REQUIRE(loop.run_until([&] { return seen.failed > 0; }));
    CHECK(seen.why == fmt::format("http: invalid URL '{}': {}", url, reason));
    loop.run_for(20ms);
    CHECK(seen.failed == 1);
    CHECK(seen.ready == 0);
  }
}

TEST_CASE("http: an invalid body pattern fails") {
  Loop loop;
  auto spec = http_spec("http://127.0.0.1:1/");
  spec.body = "(";
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return seen.failed > 0; }));
  CHECK(seen.why.rfind("http: invalid body pattern '(': ", 0) == 0);
}

TEST_CASE("unix: ready once the socket appears") {
  Loop loop;
  TempDir dir;
  const std::string path = dir.path + "/svc.sock";
  Seen seen;
  auto probe = summon::runtime::make_unix_probe(config::UnixProbe{path}, 100ms, loop.target,
                                                loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  CHECK(probe->last_result() == fmt::format("unix {}: no such file or directory", path));

  asio::local::stream_protocol::acceptor listener(loop.io,
                                                  asio::local::stream_protocol::endpoint(path));
  const auto opened = Clock::now();
  REQUIRE(loop.run_until([&] { return seen.ready > 0; }));
  MESSAGE(fmt::format("unix probe saw the socket {:.2f} ms after it opened",
                      std::chrono::duration<double, std::milli>(seen.ready_at - opened).count()));
  loop.run_for(20ms);
  CHECK(seen.ready == 1);
  CHECK(seen.failed == 0);
}

TEST_CASE("unix: a socket file nobody listens on is refused") {
  Loop loop;
  TempDir dir;
  const std::string path = dir.path + "/stale.sock";
  {
    asio::local::stream_protocol::acceptor gone(loop.io,
                                                asio::local::stream_protocol::endpoint(path));
  }  // closed: the file stays behind
  Seen seen;
  auto probe = summon::runtime::make_unix_probe(config::UnixProbe{path}, 100ms, loop.target,
                                                loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  CHECK(probe->last_result() == fmt::format("unix {}: connection refused", path));
  CHECK(seen.ready == 0);
}

TEST_CASE("unix: a path too long for a socket is said so") {
  Loop loop;
  const std::string path = "/tmp/" + std::string(200, 'x');
  Seen seen;
  auto probe = summon::runtime::make_unix_probe(config::UnixProbe{path}, 100ms, loop.target,
                                                loop.context, seen.events());
  probe->start();
  CHECK(probe->last_result() == fmt::format("unix {}: file name too long", path));
  loop.run_for(20ms);
  CHECK(seen.ready == 0);
  CHECK(seen.failed == 0);
}

TEST_CASE("destroying a tcp probe mid-attempt: no event afterwards") {
  Loop loop;
  tcp::acceptor listener(loop.io, tcp::endpoint(v4_loopback, 0));
  Seen seen;
  auto probe =
      summon::runtime::make_tcp_probe(tcp_spec("localhost", listener.local_endpoint().port()),
                                      100ms, loop.target, loop.context, seen.events());
  probe->start();  // the connect would succeed on the next turn of the loop
  probe.reset();
  loop.run_for(100ms);
  CHECK(seen.ready == 0);
  CHECK(seen.failed == 0);
}

TEST_CASE("destroying a tcp probe while it waits to retry: no event afterwards") {
  Loop loop;
  const int port = free_port(loop.io);
  Seen seen;
  auto probe = summon::runtime::make_tcp_probe(tcp_spec("127.0.0.1", port), 100ms, loop.target,
                                               loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return !probe->last_result().empty(); }));
  probe.reset();
  tcp::acceptor listener(loop.io, tcp::endpoint(v4_loopback, static_cast<unsigned short>(port)));
  loop.run_for(100ms);
  CHECK(seen.ready == 0);
  CHECK(seen.failed == 0);
}

TEST_CASE("destroying an http probe while the server holds the request: no event afterwards") {
  Loop loop;
  TestServer server(loop.io);
  server.hold();
  Seen seen;
  auto probe = summon::runtime::make_http_probe(
      http_spec(fmt::format("http://127.0.0.1:{}/", server.port())), 100ms, loop.target,
      loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return server.requests().size() == 1; }));
  probe.reset();
  loop.run_for(100ms);
  CHECK(seen.ready == 0);
  CHECK(seen.failed == 0);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("destroying an http probe before its answer is read: no event afterwards") {
  Loop loop;
  TestServer server(loop.io);
  server.answer(response(200, "ok"));
  auto spec = http_spec(fmt::format("http://127.0.0.1:{}/", server.port()));
  spec.body = "ok";
  Seen seen;
  auto probe =
      summon::runtime::make_http_probe(spec, 100ms, loop.target, loop.context, seen.events());
  probe->start();
  REQUIRE(loop.run_until([&] { return server.requests().size() == 1; }));
  probe.reset();  // the response is on its way
  loop.run_for(100ms);
  CHECK(seen.ready == 0);
}

TEST_CASE("destroying an http probe with a malformed URL before the loop runs: no event") {
  Loop loop;
  Seen seen;
  auto probe = summon::runtime::make_http_probe(http_spec("ftp://x/"), 100ms, loop.target,
                                                loop.context, seen.events());
  probe->start();
  probe.reset();
  loop.run_for(20ms);
  CHECK(seen.failed == 0);
}

TEST_CASE("destroying a unix probe mid-attempt: no event afterwards") {
  Loop loop;
  TempDir dir;
  const std::string path = dir.path + "/svc.sock";
  asio::local::stream_protocol::acceptor listener(loop.io,
                                                  asio::local::stream_protocol::endpoint(path));
  Seen seen;
  auto probe = summon::runtime::make_unix_probe(config::UnixProbe{path}, 100ms, loop.target,
                                                loop.context, seen.events());
  probe->start();
  probe.reset();
  loop.run_for(50ms);
  CHECK(seen.ready == 0);
}

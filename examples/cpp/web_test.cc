// Testing against real services with libsummon: a static web server and an
// API that depends on it, declared in C++, brought up once for the suite,
// and checked over HTTP. No sleeps: the Session returns only once every
// service's probe holds.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <summon/summon.hpp>

// The folder holding public/ and api.py: meson.build passes its own folder.
#ifndef EXAMPLE_DIR
#error "build with -DEXAMPLE_DIR=\"/path/to/examples/cpp\" (meson.build does)"
#endif

// Lets doctest print a State when a CHECK fails ("ready", "failed", ...).
template <>
struct doctest::StringMaker<summon::State> {
  static doctest::String convert(summon::State state) {
    return std::string(summon::state_name(state)).c_str();
  }
};

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// $SUMMON_EXAMPLE_DIR if set (to run the test against a copy of the files),
// else the folder meson.build is in, fixed at compile time: never the current one.
std::string example_dir() {
  const char* dir = std::getenv("SUMMON_EXAMPLE_DIR");
  return dir && *dir ? dir : EXAMPLE_DIR;
}

// The two services. Each Session of this project picks its own free ports,
// so several can run at once.
summon::Project web_project() {
  summon::Project project("web-example");
  // Services run in this folder, so "public" and "api.py" below are found
  // wherever the test is run from.
  project.folder(example_dir());
  project.port("web").port("api");

  project.add(summon::service("web", {"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                      "${ports.web}", "--directory", "public"})
                  // Ready once it answers HTTP, not merely once it has started.
                  .ready(summon::http("http://127.0.0.1:${ports.web}/")));

  // api.py finds both ports in SUMMON_PORT_API and SUMMON_PORT_WEB.
  project.add(summon::service("api", {"python3", "api.py"})
                  .depends_on("web")  // starts only once web is ready
                  .ready(summon::log("api listening")));
  return project;
}

// One stack for the whole suite: brought up by the first test that asks,
// stopped when the program exits.
summon::Session& stack() {
  static summon::Session session(web_project());
  return session;
}

struct Response {
  int status = 0;
  std::string body;
};

// A blocking GET of http://127.0.0.1:PORT/PATH, reading until the server
// closes. Enough for these two servers (they send no chunked bodies); a real
// suite would use its HTTP client of choice.
Response get(int port, const std::string& path = "/") {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};

  // A deadline on every read and write, so a stuck server fails the test
  // instead of hanging it.
  const timeval deadline{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &deadline, sizeof deadline);

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::system_error(errno, std::generic_category(), "connect");
  }

  std::string request = "GET " + path + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  request += "Connection: close\r\n\r\n";  // the reply ends where the server closes
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) throw std::system_error(errno, std::generic_category(), "send");
    sent += static_cast<size_t>(n);
  }

  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) != 0;) {
    if (n < 0) throw std::system_error(errno, std::generic_category(), "recv");
    reply.append(buffer, static_cast<size_t>(n));
  }

  // "HTTP/1.x 200 OK\r\n" ... "\r\n\r\n" body
  const size_t end_of_head = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12 || end_of_head == std::string::npos) {
    throw std::runtime_error("not an HTTP reply: " + reply);
  }
  return {std::stoi(reply.substr(9, 3)), reply.substr(end_of_head + 4)};
}

}  // namespace

TEST_CASE("web serves the static folder") {
  const Response reply = get(stack().port("web"));
  CHECK(reply.status == 200);
  CHECK(reply.body == read_file(example_dir() + "/public/index.html"));
}

TEST_CASE("api started after web: it answers with what web served it") {
  const Response reply = get(stack().port("api"));
  CHECK(reply.status == 200);
  CHECK(contains(reply.body, read_file(example_dir() + "/public/index.html")));
}

TEST_CASE("every service is ready once the session is constructed") {
  CHECK(stack().state("web") == summon::State::ready);
  CHECK(stack().state("api") == summon::State::ready);
}

TEST_CASE("pid() names the service's live process") {
  const std::optional<pid_t> pid = stack().pid("web");
  REQUIRE(pid);
  // /proc/PID/cmdline is the argv, each argument ended by a '\0'.
  const std::string cmdline = read_file("/proc/" + std::to_string(*pid) + "/cmdline");
  CHECK(contains(cmdline, "http.server"));
}

TEST_CASE("output() holds what the service printed") {
  const std::string line = "api listening on 127.0.0.1:" + std::to_string(stack().port("api"));
  CHECK(contains(stack().output("api"), line));
}

TEST_CASE("a service that exits before it is ready throws StartError with its last lines") {
  summon::Project project("failing-example");
  project.add(summon::service("crash", {"python3", "-c", "import sys; print('boom'); sys.exit(3)"})
                  .ready(summon::log("never printed")));
  try {
    summon::Session session(project);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    // No waiting out the probe's timeout: the exit ends bring-up at once.
    CHECK(error.service() == "crash");
    const std::string what = error.what();
    CHECK(contains(what, "crash"));
    CHECK(contains(what, "exited with code 3"));
    CHECK(contains(what, "boom"));  // its output, to say why
  }
}

TEST_CASE("a session's processes are gone once it is destroyed") {
  pid_t pid = 0;
  {
    // A session of its own, with only web (and what web depends on: nothing).
    summon::Options only_web;
    only_web.services = {"web"};
    summon::Session session(web_project(), only_web);
    CHECK(session.state("web") == summon::State::ready);
    REQUIRE(session.pid("web"));
    pid = *session.pid("web");
    REQUIRE(kill(pid, 0) == 0);
  }
  // The destructor stopped web and reaped it: not even a zombie is left.
  const int result = kill(pid, 0);
  const int error = errno;
  CHECK(result == -1);
  CHECK(error == ESRCH);
}

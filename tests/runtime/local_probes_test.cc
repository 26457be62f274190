// The pushed probes (log, file, notify, fd), `all`, and make_probe(), each on
// one loop that the tests drive with deadlines.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loop_helpers.hpp"
#include "runtime/probe_kinds.hpp"

namespace config = summon::config;
using summon::runtime::make_probe;
using summon::runtime::Probe;
using summon::runtime::SpawnRequest;
using summon::runtime::Stream;
using summon::test::Harness;
using namespace std::chrono_literals;

namespace {

config::Probe probe_of(auto kind) {
  config::Probe probe;
  probe.kind = std::move(kind);
  return probe;
}

config::LogProbe log_spec(std::string pattern, config::LogStream stream = config::LogStream::both,
                          int count = 1) {
  return {std::move(pattern), stream, count};
}

// A file probe as the service runner drives it: prepared, then started.
std::unique_ptr<Probe> start_file_probe(Harness& h, const std::string& path) {
  auto probe = make_file_probe({path}, 100ms, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  probe->start();
  return probe;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Sets a file's times an hour back, so that a touch now changes them
// whatever the clock's granularity.
void age(const std::string& path) {
  struct timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 3600;
  times[1] = times[0];
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

void touch(const std::string& path) {
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0);
}

std::string environment_value(const SpawnRequest& request, const std::string& key) {
  std::string found;
  int seen = 0;
  for (const auto& [name, value] : request.environment)
    if (name == key) found = value, ++seen;
  CHECK(seen <= 1);
  return found;
}

void send_datagram(const std::string& path, const std::string& message) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  auto length = static_cast<socklen_t>(sizeof address);
  if (path.starts_with("@")) {  // abstract: a NUL, then the name, no terminator
    address.sun_path[0] = '\0';
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  }
  const auto sent = ::sendto(fd, message.data(), message.size(), 0,
                             reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
  REQUIRE(sent == static_cast<ssize_t>(message.size()));
}

}  // namespace

// ---- log

TEST_CASE("a log probe is ready after `count` matching lines, reported from the loop") {
  Harness h;
  auto probe = make_log_probe(log_spec("ready", config::LogStream::both, 2), h.target, h.context,
                              h.events());
  probe->start();
  CHECK(probe->last_result() ==
        "log: no line matching 'ready' yet; it wrote nothing; its output may be buffered, e.g. "
        "PYTHONUNBUFFERED=1 for Python");
  probe->line(Stream::out, "server is ready");
  probe->line(Stream::out, "unrelated");
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() == "log: 1 of 2 lines matching 'ready' seen");
  probe->line(Stream::err, "ready again");
  CHECK(h.ready == 0);  // not from inside line()
  h.settle();
  CHECK(h.ready == 1);
  probe->line(Stream::out, "ready a third time");
  h.settle();
  CHECK(h.ready == 1);
}

TEST_CASE("a log probe watches only the stream it is given") {
  Harness h;
  auto probe = make_log_probe(log_spec("ready", config::LogStream::stderr_stream), h.target,
                              h.context, h.events());
  probe->start();
  probe->line(Stream::out, "ready");
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() ==
        "log: no line matching 'ready' yet; a matching line came on stdout; this probe reads "
        "stderr");
  probe->line(Stream::err, "ready");
  h.settle();
  CHECK(h.ready == 1);
}

TEST_CASE("a log probe says when a matching line came on the stream it does not read") {
  Harness h;
  auto probe = make_log_probe(log_spec("Server is ready", config::LogStream::stdout_stream),
                              h.target, h.context, h.events());
  probe->start();
  probe->line(Stream::out, "starting");
  probe->line(Stream::err, "Server is ready");
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() ==
        "log: no line matching 'Server is ready' yet; a matching line came on stderr; this probe "
        "reads stdout");
}

TEST_CASE("a log probe says when the service wrote nothing, with the usual cause") {
  Harness h;
  auto probe = make_log_probe(log_spec("ready"), h.target, h.context, h.events());
  probe->start();
  CHECK(probe->last_result() ==
        "log: no line matching 'ready' yet; it wrote nothing; its output may be buffered, e.g. "
        "PYTHONUNBUFFERED=1 for Python");
  probe->line(Stream::err, "starting");
  CHECK(probe->last_result() == "log: no line matching 'ready' yet");
}

TEST_CASE("a log probe that reads one stream says when nothing came on it") {
  Harness h;
  auto probe = make_log_probe(log_spec("ready", config::LogStream::stdout_stream), h.target,
                              h.context, h.events());
  probe->start();
  probe->line(Stream::err, "starting");
  CHECK(probe->last_result() ==
        "log: no line matching 'ready' yet; it wrote nothing on stdout; its output may be "
        "buffered, e.g. PYTHONUNBUFFERED=1 for Python");
}

TEST_CASE("a log pattern is searched in the line, not anchored to it") {
  Harness h;
  auto probe =
      make_log_probe(log_spec(R"(listening on port \d+)"), h.target, h.context, h.events());
  probe->start();
  probe->line(Stream::out, "2024-05-01 INFO listening on port 8080 (pid 12)");
  h.settle();
  CHECK(h.ready == 1);
}

TEST_CASE("a log probe destroyed before its report runs reports nothing") {
  Harness h;
  auto probe = make_log_probe(log_spec("ready"), h.target, h.context, h.events());
  probe->start();
  probe->line(Stream::out, "ready");
  probe.reset();
  h.settle();
  CHECK(h.ready == 0);
}

// ---- file

TEST_CASE("a file probe is ready once the file is created after start") {
  Harness h;
  const std::string path = h.dir / "ready";
  auto probe = start_file_probe(h, path);
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() == "file " + path + ": does not exist yet");
  h.after(20ms, [&] { write_file(path, "up\n"); });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
  CHECK(h.failures.empty());
}

TEST_CASE("a file that exists unchanged is not ready until it is touched") {
  Harness h;
  const std::string path = h.dir / "ready";
  write_file(path, "old\n");
  age(path);
  auto probe = start_file_probe(h, path);
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() == "file " + path + ": not changed since the service started");
  // Another file in the folder changes nothing.
  h.after(10ms, [&] { write_file(h.dir / "other", "x"); });
  h.after(20ms, [&] { touch(path); });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
}

TEST_CASE("a file replaced by a rename counts as changed") {
  Harness h;
  const std::string path = h.dir / "ready";
  write_file(path, "old\n");
  auto probe = start_file_probe(h, path);
  h.after(10ms, [&] {
    write_file(h.dir / "ready.tmp", "new\n");
    std::filesystem::rename(h.dir / "ready.tmp", path);
  });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
}

TEST_CASE("a file probe waits for a folder that the service makes later") {
  Harness h;
  const std::string folder = h.dir / "run/state";
  const std::string path = folder + "/ready";
  auto probe = start_file_probe(h, path);
  h.settle();
  CHECK(probe->last_result() == "file " + path + ": does not exist yet");
  h.after(30ms, [&] { std::filesystem::create_directories(folder); });
  h.after(60ms, [&] { write_file(path, "up\n"); });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
}

TEST_CASE("a file probe keeps watching when its folder is removed and made again") {
  Harness h;
  const std::string folder = h.dir / "state";
  const std::string path = folder + "/ready";
  std::filesystem::create_directory(folder);
  auto probe = start_file_probe(h, path);
  h.after(10ms, [&] { std::filesystem::remove(folder); });
  h.after(40ms, [&] {
    std::filesystem::create_directory(folder);
    write_file(path, "up\n");
  });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
}

TEST_CASE("a file probe destroyed while it watches reports nothing") {
  Harness h;
  const std::string path = h.dir / "ready";
  auto probe = start_file_probe(h, path);
  h.settle();
  probe.reset();
  write_file(path, "up\n");
  h.settle();
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

// ---- notify

TEST_CASE("a notify probe shows STATUS lines and is ready on READY=1") {
  Harness h;
  auto probe = make_notify_probe({}, h.target, h.context, h.events());
  SpawnRequest request;
  request.environment = {{"PATH", "/bin"}, {"NOTIFY_SOCKET", "/elsewhere"}};
  REQUIRE_FALSE(probe->prepare(request));
  const std::string socket = environment_value(request, "NOTIFY_SOCKET");
  CHECK(socket.starts_with("@summon/"));
  CHECK(socket.ends_with("/web"));
  CHECK(environment_value(request, "PATH") == "/bin");
  probe->start();
  CHECK(probe->last_result() == "notify: no READY=1 yet");

  send_datagram(socket, "STATUS=Starting up");
  REQUIRE(h.run_until([&] { return !h.statuses.empty(); }));
  CHECK(h.statuses == std::vector<std::string>{"Starting up"});
  CHECK(probe->last_result() == "notify: status: Starting up");
  CHECK(h.ready == 0);

  send_datagram(socket, "MAINPID=1\nREADY=1\nSTATUS=Serving");
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
  CHECK(h.statuses == std::vector<std::string>{"Starting up", "Serving"});
  CHECK(h.failures.empty());

  // Nothing is left behind: there is no file.
  probe.reset();
  CHECK_FALSE(std::filesystem::exists(socket));
}

TEST_CASE("an empty STATUS= shows nothing; STOPPING=1 shows as stopping") {
  Harness h;
  auto probe = make_notify_probe({}, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  const std::string socket = environment_value(request, "NOTIFY_SOCKET");
  probe->start();
  send_datagram(socket, "STATUS=");
  send_datagram(socket, "STOPPING=1");
  REQUIRE(h.run_until([&] { return !h.statuses.empty(); }));
  CHECK(h.statuses == std::vector<std::string>{"stopping"});
  CHECK(probe->stays_while_stopping());
}

TEST_CASE("a notify message from a process that is not the service's is ignored, and told once") {
  Harness h;
  h.target.owns = [](pid_t) { return false; };  // the test program is not the service now
  auto probe = make_notify_probe({}, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  const std::string socket = environment_value(request, "NOTIFY_SOCKET");
  probe->start();
  send_datagram(socket, "READY=1\nSTATUS=forged");
  send_datagram(socket, "READY=1");
  REQUIRE(h.run_until([&] { return !h.notices.empty(); }));
  h.run_for(50ms);
  CHECK(h.ready == 0);
  CHECK(h.statuses.empty());
  REQUIRE(h.notices.size() == 1);
  CHECK(h.notices[0] == "ignored a notify message from pid " + std::to_string(::getpid()) +
                           " (uid " + std::to_string(::getuid()) + "): not a process of web");
}

TEST_CASE("each notify probe has a name of its own, that says nothing of the run") {
  Harness h;
  auto first = make_notify_probe({}, h.target, h.context, h.events());
  auto second = make_notify_probe({}, h.target, h.context, h.events());
  SpawnRequest one, two;
  REQUIRE_FALSE(first->prepare(one));
  REQUIRE_FALSE(second->prepare(two));
  CHECK(environment_value(one, "NOTIFY_SOCKET") != environment_value(two, "NOTIFY_SOCKET"));
}

// ---- fd

TEST_CASE("an fd probe is ready once the service writes a newline to its fd") {
  Harness h;
  auto probe = make_fd_probe({3}, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  REQUIRE(request.extra_fds.size() == 1);
  CHECK(request.extra_fds[0].first == 3);
  // What the service would hold.
  const int service_end = ::fcntl(request.extra_fds[0].second, F_DUPFD_CLOEXEC, 0);
  REQUIRE(service_end >= 0);
  probe->start();
  CHECK(probe->last_result() == "fd 3: nothing written yet");
  REQUIRE(::write(service_end, "up", 2) == 2);
  REQUIRE(
      h.run_until([&] { return probe->last_result() == "fd 3: 2 bytes written, no newline yet"; }));
  h.settle();
  CHECK(h.ready == 0);
  REQUIRE(::write(service_end, "\n", 1) == 1);
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
  ::close(service_end);
  h.settle();
  CHECK(h.failures.empty());
}

TEST_CASE("an fd probe fails when the service closes its fd without a newline") {
  Harness h;
  auto probe = make_fd_probe({5}, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  const int service_end = ::fcntl(request.extra_fds.at(0).second, F_DUPFD_CLOEXEC, 0);
  REQUIRE(service_end >= 0);
  probe->start();
  h.after(10ms, [&] { ::close(service_end); });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 0);
  CHECK(h.failures == std::vector<std::string>{"closed fd 5 without writing a newline"});
}

// ---- all

TEST_CASE("an all probe is ready only once every child has been ready") {
  Harness h;
  config::AllProbe all;
  all.probes = {probe_of(log_spec("alpha")), probe_of(log_spec("beta"))};
  auto probe = make_all_probe(all, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  probe->start();
  CHECK(probe->last_result() ==
        "all: waiting for log: no line matching 'alpha' yet; it wrote nothing; its output may be "
        "buffered, e.g. PYTHONUNBUFFERED=1 for Python");
  probe->line(Stream::out, "alpha is up");
  h.settle();
  CHECK(h.ready == 0);
  CHECK(probe->last_result() == "all: waiting for log: no line matching 'beta' yet");
  probe->line(Stream::out, "beta is up");
  h.settle();
  CHECK(h.ready == 1);
}

TEST_CASE("an all probe fails with its first child's failure") {
  Harness h;
  config::AllProbe all;
  all.probes = {probe_of(log_spec("ready")), probe_of(config::FdProbe{4})};
  auto probe = make_all_probe(all, h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  REQUIRE(request.extra_fds.size() == 1);  // prepare reached the fd child
  const int service_end = ::fcntl(request.extra_fds[0].second, F_DUPFD_CLOEXEC, 0);
  probe->start();
  ::close(service_end);
  REQUIRE(h.run_until_reported());
  CHECK(h.failures == std::vector<std::string>{"closed fd 4 without writing a newline"});
  probe->line(Stream::out, "ready");
  h.settle();
  CHECK(h.ready == 0);
}

TEST_CASE("an all probe passes on its notify child's watchdog, extend and errno events") {
  Harness h;
  config::AllProbe all;
  all.probes = {probe_of(config::NotifyProbe{}), probe_of(log_spec("up"))};
  auto events = h.events();
  int pings = 0, triggers = 0;
  std::vector<std::chrono::microseconds> extensions;
  std::vector<int> errors;
  events.watchdog = [&] { ++pings; };
  events.watchdog_trigger = [&] { ++triggers; };
  events.extend = [&](std::chrono::microseconds extra) { extensions.push_back(extra); };
  events.error_number = [&](int error) { errors.push_back(error); };
  auto probe = make_all_probe(all, h.target, h.context, std::move(events));
  SpawnRequest request;
  REQUIRE_FALSE(probe->prepare(request));
  probe->start();
  send_datagram(environment_value(request, "NOTIFY_SOCKET"),
                "EXTEND_TIMEOUT_USEC=2500\nERRNO=5\nWATCHDOG=1\nWATCHDOG=trigger");
  REQUIRE(h.run_until([&] { return triggers > 0; }));
  CHECK(pings == 1);
  CHECK(extensions == std::vector<std::chrono::microseconds>{2500us});
  CHECK(errors == std::vector<int>{5});
}

// ---- make_probe

TEST_CASE("make_probe builds the probe of the config's kind") {
  Harness h;
  const auto first_result = [&](config::Probe spec) {
    auto probe = make_probe(spec, h.target, h.context, h.events());
    SpawnRequest request;
    REQUIRE_FALSE(probe->prepare(request));
    return probe->last_result();
  };
  CHECK(first_result(probe_of(log_spec("up"))) ==
        "log: no line matching 'up' yet; it wrote nothing; its output may be buffered, e.g. "
        "PYTHONUNBUFFERED=1 for Python");
  CHECK(first_result(probe_of(config::NotifyProbe{})) == "notify: no READY=1 yet");
  CHECK(first_result(probe_of(config::FdProbe{7})) == "fd 7: nothing written yet");
  config::AllProbe all;
  all.probes = {probe_of(config::FdProbe{3})};
  CHECK(first_result(probe_of(all)) == "all: waiting for fd 3: nothing written yet");

  // A file probe says nothing before it has looked.
  auto file = make_probe(probe_of(config::FileProbe{h.dir / "f"}), h.target, h.context, h.events());
  SpawnRequest request;
  REQUIRE_FALSE(file->prepare(request));
  file->start();
  CHECK(file->last_result() == "file " + (h.dir / "f") + ": does not exist yet");

  // An exec probe has seen nothing before its first attempt.
  auto exec =
      make_probe(probe_of(config::ExecProbe{{{"false"}, false}}), h.target, h.context, h.events());
  CHECK(exec->last_result().empty());
}

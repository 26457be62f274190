// Sandboxes for end-to-end runs of `summon up` and `summon run`.
#include "sandbox.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "processes.hpp"

namespace summon::testing {

std::string test_service_bin() {
  const char* path = std::getenv("SUMMON_TEST_SERVICE");
  if (!path || !*path)
    throw std::runtime_error("$SUMMON_TEST_SERVICE is not set; run the tests with `meson test`");
  return path;
}

std::string runtime_fixture(const std::string& name) {
  return tests_dir("fixtures/runtime/" + name);
}

std::int64_t monotonic_ns(std::chrono::steady_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

bool Sandbox::wait_for_record(const std::string& service, const std::string& what,
                              std::chrono::milliseconds timeout) const {
  using Clock = std::chrono::steady_clock;
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return record().has(service, what);
  // The folder, not the file: the file may not exist yet.
  ::inotify_add_watch(fd, dir().c_str(), IN_MODIFY | IN_CREATE);
  auto deadline = Clock::now() + timeout;
  bool found = false;
  for (;;) {
    if ((found = record().has(service, what))) break;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds(0)) break;
    pollfd polled{fd, POLLIN, 0};
    if (::poll(&polled, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
  }
  ::close(fd);
  return found;
}

bool stop_when_ready(Background& up, int signal) {
  bool ready = up.wait_for_line("[summon] ready:").has_value();
  up.send(signal);
  return ready;
}

std::optional<double> duration_after(const std::string& line, const std::string& marker) {
  auto at = line.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const char* text = line.c_str() + at + marker.size();
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text) return std::nullopt;
  std::string_view unit(end);
  if (unit.starts_with("ms")) return value;
  if (unit.starts_with("s")) return value * 1000;
  return std::nullopt;
}

std::string describe(const RunResult& run) {
  return run.summary() + (run.output_left_open ? ", output left open" : "") + "\nstdout:\n" +
         run.out + "\nstderr:\n" + run.err;
}

Sandbox::~Sandbox() {
  try {
    kill_survivors(record());
  } catch (const std::exception&) {
    // A record too broken to read was reported by the test that read it.
  }
}

RunOptions Sandbox::options(const EnvChanges& env) const {
  RunOptions options = in_folder(
      dir().string(),
      {{"RECORD", record_path()},
       {"TEST_DIR", dir().string()},
       {"NO_COLOR", std::nullopt},
       // Its own state folder (SPEC 2.2): two tests of one fixture at once
       // are two projects, not a second `up` of one.
       {"XDG_RUNTIME_DIR", dir().string()}});
  options.env.insert(options.env.end(), env.begin(), env.end());
  options.own_process_group = true;
  options.timeout = std::chrono::seconds(30);
  return options;
}

Background Sandbox::up(const std::string& fixture, const std::vector<std::string>& args,
                       const EnvChanges& env) const {
  std::vector<std::string> argv{"up", runtime_fixture(fixture)};
  argv.insert(argv.end(), args.begin(), args.end());
  return Background(summon_bin(), argv, options(env));
}

RunResult Sandbox::run(const std::string& fixture, const std::vector<std::string>& args,
                       const EnvChanges& env) const {
  std::vector<std::string> argv{"run", runtime_fixture(fixture)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(summon_bin(), argv, options(env));
}

}  // namespace summon::testing

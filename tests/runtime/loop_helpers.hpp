// What the runtime's probe tests share: a temporary folder, a loop they drive
// with deadlines, the events a probe sent, and loopback listeners.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/child_reaper.hpp"
#include "runtime/probe.hpp"

namespace summon::test {

using Clock = std::chrono::steady_clock;

// A temporary folder, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "summon-probe-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }

  std::string path;
};

// The loop and what a probe needs around it. Declared before any probe, so
// that it outlives them.
struct TestLoop {
  TestLoop() : context{io, reaper, {}} {
    // The test program plays the service: its own datagrams count.
    target.owns = [](pid_t pid) { return pid == ::getpid(); };
  }

  // Runs the loop until `done()` holds or `limit` passes; returns done().
  bool run_until(const std::function<bool()>& done,
                 Clock::duration limit = std::chrono::seconds(5)) {
    io.restart();
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) io.run_one_until(deadline);
    return done();
  }
  // Runs whatever comes for `span`: to see that nothing more happens.
  void run_for(Clock::duration span) {
    run_until([] { return false; }, span);
  }
  // Runs what is due now, without waiting for anything.
  void settle() {
    io.restart();
    io.poll();
  }
  // Calls `action` from the loop after `delay`.
  void after(Clock::duration delay, std::function<void()> action) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, delay);
    timer->async_wait([timer, action = std::move(action)](const boost::system::error_code& error) {
      if (!error) action();
    });
  }

  TempDir dir;
  boost::asio::io_context io;
  // So that an idle loop waits instead of returning.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy =
      boost::asio::make_work_guard(io);
  runtime::ChildReaper reaper{io};
  runtime::ProbeTarget target{"web", {}, "/", std::nullopt, {}};
  runtime::ProbeContext context;
};

// Every event a probe sent.
struct Seen {
  runtime::ProbeEvents events() {
    runtime::ProbeEvents events;
    events.ready = [this] {
      ++ready;
      ready_at = Clock::now();
    };
    events.failed = [this](std::string why) { failures.push_back(std::move(why)); };
    events.status = [this](std::string text) { statuses.push_back(std::move(text)); };
    events.notice = [this](std::string text) { notices.push_back(std::move(text)); };
    return events;
  }
  bool reported() const { return ready > 0 || !failures.empty(); }

  int ready = 0;
  Clock::time_point ready_at;
  std::vector<std::string> failures;
  std::vector<std::string> statuses;
  std::vector<std::string> notices;
};

// A loop and what its one probe sent, for tests of a single probe.
struct Harness : TestLoop, Seen {
  bool run_until_reported() {
    return run_until([this] { return reported(); });
  }
  // Runs the loop until `probe` has a first result.
  bool run_until_tried(const runtime::Probe& probe,
                       Clock::duration limit = std::chrono::seconds(5)) {
    return run_until([&] { return !probe.last_result().empty(); }, limit);
  }
};

inline const boost::asio::ip::address v4_loopback = boost::asio::ip::address_v4::loopback();
inline const boost::asio::ip::address v6_loopback = boost::asio::ip::address_v6::loopback();

// A port nothing listens on: one the kernel just handed out and took back.
inline int free_port(boost::asio::io_context& io) {
  boost::asio::ip::tcp::acceptor acceptor(io, boost::asio::ip::tcp::endpoint(v4_loopback, 0));
  return acceptor.local_endpoint().port();
}

// A listener on ::1; or nullopt on a machine without IPv6 loopback, noted in
// the test's log so that the test can skip.
inline std::optional<boost::asio::ip::tcp::acceptor> listen_on_v6_loopback(
    boost::asio::io_context& io, int port = 0) {
  using boost::asio::ip::tcp;
  tcp::acceptor acceptor(io);
  boost::system::error_code error;
  acceptor.open(tcp::v6(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(tcp::endpoint(v6_loopback, static_cast<unsigned short>(port)), error);
  if (!error) acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
  if (error) {
    MESSAGE("no IPv6 loopback here: skipped");
    return std::nullopt;
  }
  return acceptor;
}

}  // namespace summon::test

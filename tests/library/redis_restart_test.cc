// A client living through its server's restart: a real Redis, on a port the
// session picks, loopback only, its data in a temporary folder; the client is
// a plain TCP socket speaking RESP.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

// One connection to 127.0.0.1:`port`; call() sends a command and reads its
// reply. Enough RESP for simple strings, errors, integers and bulk strings.
class RedisClient {
 public:
  explicit RedisClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RedisClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  /// The reply: a simple string or integer as it is ("OK", "PONG", "1"), an
  /// error with its "-", a bulk string's content, "(nil)" for a null one;
  /// nullopt if the connection ended (or nothing came within 5 s).
  std::optional<std::string> call(const std::vector<std::string>& command) {
    if (fd_ < 0) return std::nullopt;
    std::string request = "*" + std::to_string(command.size()) + "\r\n";
    for (const auto& part : command)
      request += "$" + std::to_string(part.size()) + "\r\n" + part + "\r\n";
    // MSG_NOSIGNAL: a server gone must not end the test with SIGPIPE.
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return std::nullopt;
    auto line = read_until([](const std::string& got) { return got.find("\r\n"); });
    if (!line) return std::nullopt;
    std::string head = received_.substr(0, *line);
    received_.erase(0, *line + 2);
    if (head.empty()) return std::nullopt;
    if (head[0] == '+' || head[0] == ':') return head.substr(1);
    if (head[0] != '$') return head;
    const long length = std::stol(head.substr(1));
    if (length < 0) return "(nil)";
    const auto size = static_cast<std::size_t>(length);
    if (!read_until([size](const std::string& got) {
          return got.size() >= size + 2 ? size : std::string::npos;
        }))
      return std::nullopt;
    std::string value = received_.substr(0, size);
    received_.erase(0, size + 2);
    return value;
  }

 private:
  // Reads until `found` finds what it looks for in what was received; its
  // answer, or nullopt at the end of the connection or after 5 s.
  template <class Find>
  std::optional<std::size_t> read_until(Find found) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      if (auto at = found(received_); at != std::string::npos) return at;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd ready{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char buffer[4096];
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) return std::nullopt;
      received_.append(buffer, static_cast<std::size_t>(got));
    }
  }

  int fd_;
  std::string received_;
};

// Redis on the port `redis`, bound to loopback, writing only into `data`; it
// says READY=1 itself once it has loaded its data and accepts connections.
summon::Project redis(const TempDir& data, std::vector<std::string> persistence) {
  std::vector<std::string> command = {
      "redis-server",       "--port",       "${ports.redis}", "--bind", "127.0.0.1", "--dir",
      data.path().string(), "--supervised", "systemd"};
  command.insert(command.end(), persistence.begin(), persistence.end());
  summon::Project project;
  project.port("redis").add(summon::service("redis", command).ready(summon::notify().timeout(10s)));
  return project;
}

}  // namespace

TEST_CASE("a Redis client reconnects after restart(), and with persistence on its key survives") {
  TempDir data;
  pid_t first = 0;
  pid_t second = 0;
  {
    // Every write is on disk before its reply (and on SIGTERM Redis syncs
    // what is left), so the new server loads the key.
    summon::Session session(
        redis(data, {"--appendonly", "yes", "--appendfsync", "always", "--save", ""}));
    const int port = session.port("redis");
    first = session.pid("redis").value_or(0);
    REQUIRE(first > 0);

    RedisClient client(port);
    REQUIRE(client.connected());
    REQUIRE(client.call({"SET", "greeting", "hello"}) == "OK");

    session.restart("redis");
    second = session.pid("redis").value_or(0);
    CHECK(second > 0);
    CHECK(second != first);
    CHECK_FALSE(alive(first));
    CHECK(session.restarts("redis") == 1);

    // The old connection ended with the old server; a new one is answered.
    CHECK(client.call({"PING"}) == std::nullopt);
    RedisClient again(port);
    REQUIRE(again.connected());
    CHECK(again.call({"PING"}) == "PONG");
    CHECK(again.call({"GET", "greeting"}) == "hello");
    CHECK_NOTHROW(session.stop());
  }
  CHECK_FALSE(alive(second));
  CHECK(std::filesystem::exists(data.path() / "appendonlydir"));
}

TEST_CASE("a Redis without persistence answers after restart(), with its key gone") {
  TempDir data;
  pid_t second = 0;
  {
    summon::Session session(redis(data, {"--appendonly", "no", "--save", ""}));
    const int port = session.port("redis");
    const pid_t first = session.pid("redis").value_or(0);
    REQUIRE(first > 0);

    RedisClient client(port);
    REQUIRE(client.connected());
    REQUIRE(client.call({"SET", "greeting", "hello"}) == "OK");
    REQUIRE(client.call({"GET", "greeting"}) == "hello");

    session.restart("redis");
    second = session.pid("redis").value_or(0);
    CHECK(second > 0);
    CHECK(second != first);

    RedisClient again(port);
    REQUIRE(again.connected());
    CHECK(again.call({"PING"}) == "PONG");
    CHECK(again.call({"GET", "greeting"}) == "(nil)");
    CHECK_NOTHROW(session.stop());
  }
  CHECK_FALSE(alive(second));
  // Nothing was written to disk, by either server.
  CHECK(std::filesystem::is_empty(data.path()));
}

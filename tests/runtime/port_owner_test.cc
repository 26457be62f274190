// The check before a `tcp` service starts: is the port taken, and by whom.
#include "runtime/port_owner.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "loop_helpers.hpp"

using boost::asio::ip::tcp;
using summon::runtime::port_accepts;
using summon::runtime::port_in_use_message;
using summon::runtime::port_owner;
using summon::test::free_port;
using summon::test::listen_on_v6_loopback;
using summon::test::v4_loopback;

namespace {

// A listener on 127.0.0.1, port chosen by the kernel.
tcp::acceptor listen_on_v4_loopback(boost::asio::io_context& io) {
  return tcp::acceptor(io, tcp::endpoint(v4_loopback, 0));
}

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

TEST_CASE("port_accepts sees a listener on 127.0.0.1 by address and as localhost") {
  boost::asio::io_context io;
  auto acceptor = listen_on_v4_loopback(io);
  const int port = acceptor.local_endpoint().port();
  CHECK(port_accepts("127.0.0.1", port));
  CHECK(port_accepts("localhost", port));
}

TEST_CASE("port_accepts sees a listener bound only to ::1 as localhost") {
  boost::asio::io_context io;
  auto acceptor = listen_on_v6_loopback(io);
  if (!acceptor) return;
  const int port = acceptor->local_endpoint().port();
  CHECK(port_accepts("localhost", port));
  CHECK(port_accepts("::1", port));
}

TEST_CASE("port_accepts is false when nothing listens") {
  boost::asio::io_context io;
  const int port = free_port(io);
  CHECK_FALSE(port_accepts("127.0.0.1", port));
  CHECK_FALSE(port_accepts("localhost", port));
}

TEST_CASE("port_accepts does not resolve names other than localhost") {
  CHECK_FALSE(port_accepts("not-a-literal.invalid", 80));
}

TEST_CASE("port_owner names this process for a listener it opened") {
  boost::asio::io_context io;
  auto acceptor = listen_on_v4_loopback(io);
  const int port = acceptor.local_endpoint().port();
  CHECK(port_owner(port) == fmt::format("pid {} ({})", ::getpid(), own_comm()));
}

TEST_CASE("port_owner finds an IPv6 listener through /proc/net/tcp6") {
  boost::asio::io_context io;
  auto acceptor = listen_on_v6_loopback(io);
  if (!acceptor) return;
  const int port = acceptor->local_endpoint().port();
  CHECK(port_owner(port) == fmt::format("pid {} ({})", ::getpid(), own_comm()));
}

TEST_CASE("port_owner ignores a socket that is bound but not listening") {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io);
  acceptor.open(tcp::v4());
  acceptor.bind(tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  CHECK(port_owner(acceptor.local_endpoint().port()) == std::nullopt);
}

TEST_CASE("port_owner is nullopt when nothing listens") {
  boost::asio::io_context io;
  CHECK(port_owner(free_port(io)) == std::nullopt);
}

TEST_CASE("port_in_use_message names the owner when it can be found") {
  boost::asio::io_context io;
  auto acceptor = listen_on_v4_loopback(io);
  const int port = acceptor.local_endpoint().port();
  CHECK(port_in_use_message(port) ==
        fmt::format("port {} is already in use by pid {} ({})", port, ::getpid(), own_comm()));
}

TEST_CASE("port_in_use_message says only that the port is taken when the owner is unknown") {
  boost::asio::io_context io;
  const int port = free_port(io);
  CHECK(port_in_use_message(port) == fmt::format("port {} is already in use", port));
}

// A tiny HTTP server on the test's loop, for the probes that make requests.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "loop_helpers.hpp"

namespace summon::test {

// Answers each request with the current canned response and closes the
// connection; or, holding, reads requests and never answers.
class TestServer {
 public:
  explicit TestServer(boost::asio::io_context& io, boost::asio::ip::address address = v4_loopback)
      : acceptor_(io, boost::asio::ip::tcp::endpoint(address, 0)) {
    accept();
  }

  int port() const { return acceptor_.local_endpoint().port(); }
  void answer(std::string response) { response_ = std::move(response); }
  void hold() { holding_ = true; }
  // Each request's head, as received.
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  struct Connection {
    explicit Connection(boost::asio::ip::tcp::socket socket) : socket(std::move(socket)) {}
    boost::asio::ip::tcp::socket socket;
    std::string received;
    std::string response;
  };

  void accept() {
    acceptor_.async_accept(
        [this](const boost::system::error_code& error, boost::asio::ip::tcp::socket socket) {
          if (error) return;
          serve(std::make_shared<Connection>(std::move(socket)));
          accept();
        });
  }

  void serve(const std::shared_ptr<Connection>& connection) {
    boost::asio::async_read_until(
        connection->socket, boost::asio::dynamic_buffer(connection->received), "\r\n\r\n",
        [this, connection](const boost::system::error_code& error, std::size_t length) {
          if (error) return;
          requests_.push_back(connection->received.substr(0, length));
          if (holding_) {
            held_.push_back(connection);
            return;
          }
          connection->response = response_;
          boost::asio::async_write(connection->socket, boost::asio::buffer(connection->response),
                                   [connection](const boost::system::error_code&, std::size_t) {
                                     boost::system::error_code ignored;
                                     connection->socket.shutdown(
                                         boost::asio::ip::tcp::socket::shutdown_both, ignored);
                                   });
        });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  std::string response_;
  bool holding_ = false;
  std::vector<std::string> requests_;
  std::vector<std::shared_ptr<Connection>> held_;
};

inline std::string response(int status, const std::string& body = "",
                            const std::string& headers = "") {
  return fmt::format("HTTP/1.1 {} Whatever\r\nContent-Length: {}\r\n{}\r\n{}", status, body.size(),
                     headers, body);
}

}  // namespace summon::test

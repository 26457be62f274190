// Server: the acceptor, its connections, and what they hear of the run.
#include "control/server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "config/suggest.hpp"
#include "control/connection.hpp"

namespace summon::control {

Server::Server(runtime::Stack& stack, const config::ProjectSpec& project,
               std::vector<graph::ServiceIndex> selected, ProjectInfo info, Say say)
    : stack_(stack),
      project_(project),
      selected_(std::move(selected)),
      info_(std::move(info)),
      say_(std::move(say)),
      acceptor_(stack.io()) {
  stack_.add_observer(*this);
}

Server::~Server() {
  stack_.remove_observer(*this);
  // Their pending handlers die with the loop, later: none may reach back.
  auto connections = connections_;
  for (const auto& connection : connections) connection->abandon();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

std::optional<std::string> Server::listen(const std::string& socket_path) {
  using boost::asio::local::stream_protocol;
  boost::system::error_code error;
  acceptor_.open(stream_protocol(), error);
  if (!error) acceptor_.bind(stream_protocol::endpoint(socket_path), error);
  // In a folder only summon's user may enter (StateFolder); the socket's own
  // mode is narrowed too, never more open than the folder.
  if (!error && ::chmod(socket_path.c_str(), 0600) != 0)
    error.assign(errno, boost::system::system_category());
  if (!error) acceptor_.listen(64, error);
  if (error) return fmt::format("control socket {}: {}", socket_path, error.message());
  accept();
  return std::nullopt;
}

void Server::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error,
                                boost::asio::local::stream_protocol::socket socket) {
    if (error == boost::asio::error::operation_aborted || done_) return;
    if (!error) {
      auto connection = std::make_shared<Connection>(*this, std::move(socket));
      connections_.push_back(connection);
      connection->begin();
    }
    accept();
  });
}

std::size_t Server::ready_count() const {
  const auto statuses = stack_.board().statuses();
  return static_cast<std::size_t>(std::ranges::count_if(selected_, [&](graph::ServiceIndex i) {
    return statuses[i].state == engine::State::ready ||
           statuses[i].state == engine::State::completed;
  }));
}

void Server::refused(uid_t peer) {
  say_(fmt::format("refused a control connection from uid {}: only uid {} (or root) is served",
                   peer, ::geteuid()));
}

std::variant<std::vector<graph::ServiceIndex>, std::string> Server::services_named(
    const std::vector<std::string>& names) const {
  std::vector<graph::ServiceIndex> out;
  std::vector<std::string> known;
  for (auto i : selected_) known.push_back(project_.services[i].name);
  for (const auto& name : names) {
    auto found = std::find(known.begin(), known.end(), name);
    if (found == known.end())
      return fmt::format("no service '{}' in {}{}", name, project_.name,
                         config::did_you_mean(name, known));
    out.push_back(selected_[static_cast<std::size_t>(found - known.begin())]);
  }
  return out;
}

void Server::forget(Connection* connection) {
  std::erase_if(connections_, [connection](const auto& each) { return each.get() == connection; });
}

void Server::on_change(const engine::StateChange& change) {
  // A copy: a connection that is done forgets itself while it is told.
  auto connections = connections_;
  for (const auto& connection : connections) connection->on_change(change);
}

void Server::own_line(const std::string& text) {
  for (const auto& connection : connections_) connection->on_own_line(text);
}

void Server::on_all_ready(std::size_t, engine::Duration) {}

void Server::on_failure(const engine::Failure&) {}

void Server::on_done(int, engine::Duration) {
  done_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  auto connections = connections_;
  for (const auto& connection : connections) connection->on_done();
}

}  // namespace summon::control

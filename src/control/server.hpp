// The control socket of a running project (SPEC 2.2): an acceptor on the
// stack's own loop, one request per connection, JSON lines both ways
// (docs/protocol.md). `ps` and `logs` read the stack's StatusBoard; `stop`,
// `start`, `restart` and `down` are engine commands, answered once the
// services they name have got where they were sent. No thread per client: a
// slow reader only fills its own bounded queue, and loses lines (and is told
// how many) rather than holding anything up.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>

#include "config/project_spec.hpp"
#include "control/state_folder.hpp"
#include "graph/dependency_graph.hpp"
#include "runtime/stack.hpp"

namespace summon::control {

class Connection;

class Server : private runtime::StackObserver {
 public:
  /// What the server says among summon's own lines (a refused peer).
  using Say = std::function<void(const std::string& text)>;

  /// `selected`: the services of this run, in the order `ps` lists them.
  Server(runtime::Stack& stack, const config::ProjectSpec& project,
         std::vector<graph::ServiceIndex> selected, ProjectInfo info, Say say);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Listens on `socket_path` (made 0600); why not, if it cannot.
  std::optional<std::string> listen(const std::string& socket_path);

  // For its connections.
  runtime::Stack& stack() { return stack_; }
  const config::ProjectSpec& project() const { return project_; }
  const std::vector<graph::ServiceIndex>& selected() const { return selected_; }
  const ProjectInfo& info() const { return info_; }
  /// How many of the run's services are ready or completed now.
  std::size_t ready_count() const;
  /// The index of each name, or why not ("no service 'x' in this project").
  std::variant<std::vector<graph::ServiceIndex>, std::string> services_named(
      const std::vector<std::string>& names) const;
  void forget(Connection* connection);
  /// One of summon's own lines, for the clients that are attached.
  void own_line(const std::string& text);
  /// A peer of another user was turned away: said among summon's lines.
  void refused(uid_t peer);

 private:
  void accept();
  void on_change(const engine::StateChange& change) override;
  void on_all_ready(std::size_t services, engine::Duration since_bring_up) override;
  void on_failure(const engine::Failure& failure) override;
  void on_done(int exit_code, engine::Duration since_bring_up) override;

  runtime::Stack& stack_;
  const config::ProjectSpec& project_;
  std::vector<graph::ServiceIndex> selected_;
  ProjectInfo info_;
  Say say_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::vector<std::shared_ptr<Connection>> connections_;
  bool done_ = false;
};

}  // namespace summon::control

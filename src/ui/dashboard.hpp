// `summon ui`: the dashboard's event loop. It is a client of the project's
// control socket like any other command: one `ps` stream (a table pushed on
// every change and each second), one `logs` stream in batches of the newest
// lines at most 30 times a second, a `logs` read of the whole history when
// the user scrolls back or searches, and one connection per command. Keys,
// signals and replies all arrive on one Asio loop; frames are drawn when
// something changed, at most 30 a second.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace summon::ui {

/// A new connection to the project's control socket, its peer checked: the
/// descriptor, or why not.
using Connector = std::function<std::variant<int, std::string>()>;

struct DashboardOptions {
  bool color = true;
  bool under_up = false;  // `up --ui`: quitting tears the project down; `d` detaches
};

struct DashboardEnd {
  /// cannot: the project could not be reached; no_terminal: curses could not
  /// use the terminal.
  enum Kind { quit, detach, project_ended, cannot, no_terminal } kind = quit;
  /// What to say once the terminal is back: why it ended, the failed services.
  std::string words;
};

class Dashboard {
 public:
  Dashboard(std::string project, Connector connect, DashboardOptions options);
  /// Runs until quit, detach or the project's end; the terminal is restored
  /// when it returns.
  DashboardEnd run();

 private:
  std::string project_;
  Connector connect_;
  DashboardOptions options_;
};

}  // namespace summon::ui

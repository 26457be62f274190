// `summon ui` and what `summon up --ui` does once its supervisor listens
// (SPEC 2.3): the dashboard on a running project, and after it, what to say.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/control_client.hpp"
#include "cli/control_commands.hpp"
#include "cli/detach.hpp"
#include "cli/printer.hpp"
#include "ui/dashboard.hpp"

namespace summon::cli {

namespace {

bool on_a_terminal() {
  return ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
}

ui::Connector connector(std::string socket) {
  return [socket = std::move(socket)]() -> std::variant<int, std::string> {
    auto client = ControlClient::connect(socket);
    if (auto* why = std::get_if<std::string>(&client)) return *why;
    return std::get<ControlClient>(client).release();
  };
}

int exit_code_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace

int ui_command(const ControlTarget& target, bool no_color) {
  if (!on_a_terminal()) {
    fmt::print(stderr, "summon ui: error: needs a terminal (stdin and stdout)\n");
    return 2;
  }
  auto found = find_project(target.ref);
  if (auto* missing = std::get_if<NotFound>(&found)) {
    fmt::print(stderr, "{}\n", missing->message);
    return missing->exit_code;
  }
  const auto& project = std::get<FoundProject>(found);
  ui::Dashboard dashboard(project.info.name, connector(project.socket()),
                          {color_wanted(no_color), false});
  auto end = dashboard.run();
  switch (end.kind) {
    case ui::DashboardEnd::quit:
    case ui::DashboardEnd::detach:
      return 0;
    case ui::DashboardEnd::project_ended:
      fmt::print(stderr, "{}\n", end.words);
      return 0;
    case ui::DashboardEnd::cannot:
      fmt::print(stderr, "summon: {} is not up ({})\n", target.describe(), end.words);
      return 3;
    case ui::DashboardEnd::no_terminal:
      fmt::print(stderr, "summon ui: error: {}\n", end.words);
      return 2;
  }
  return 0;
}

int ui_after_up(const std::string& file, Detacher& detacher, bool no_color) {
  const pid_t supervisor = detacher.child();
  const ControlTarget target{{std::nullopt, file}, {}};
  const auto supervisor_code = [supervisor] {
    int status = 0;
    while (::waitpid(supervisor, &status, 0) < 0 && errno == EINTR) {
    }
    return exit_code_of(status);
  };
  auto found = find_project(target.ref);
  if (auto* missing = std::get_if<NotFound>(&found)) {
    // It listens, yet cannot be found: it is our child, so it is told to go.
    fmt::print(stderr, "{}\n", missing->message);
    ::kill(supervisor, SIGTERM);
    return supervisor_code();
  }
  const auto& project = std::get<FoundProject>(found);
  ui::Dashboard dashboard(project.info.name, connector(project.socket()),
                          {color_wanted(no_color), true});
  auto end = dashboard.run();
  switch (end.kind) {
    case ui::DashboardEnd::detach:
      detacher.let_go();
      fmt::print("[summon] {} runs in the background (pid {}): summon ui, summon ps, summon down\n",
                 project.info.name, supervisor);
      return 0;
    case ui::DashboardEnd::no_terminal: {
      fmt::print(stderr, "summon up: error: {}; the project goes down\n", end.words);
      down_command(target, std::nullopt);
      supervisor_code();
      return 2;
    }
    case ui::DashboardEnd::quit: {
      // As Ctrl-C on `up`: the project goes down in order.
      const int code = down_command(target, std::nullopt);
      const int left = supervisor_code();
      return code != 0 ? code : left;
    }
    case ui::DashboardEnd::project_ended:
    case ui::DashboardEnd::cannot:
      fmt::print(stderr, "{}\n", end.words);
      return supervisor_code();
  }
  return 0;
}

}  // namespace summon::cli

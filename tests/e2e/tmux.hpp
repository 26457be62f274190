// A real terminal for end-to-end tests of the dashboard: a tmux server of
// the test's own (its own socket, no config), one pane running a command,
// keys sent as a person types them, and the screen read back as they see
// it. Waiting for the screen is woken by what the pane writes (tmux pipes
// it to a file watched with inotify), never by a timer.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "run_summon.hpp"

namespace summon::testing {

/// Whether tmux is installed (scripts/setup installs it).
bool tmux_available();

class TmuxTerminal {
 public:
  /// Runs `command` (argv) in a pane of `columns`x`rows`, in folder `cwd`,
  /// with `env` set; TERM is tmux's own. The server's files live in `dir`.
  TmuxTerminal(const std::filesystem::path& dir, const std::vector<std::string>& command,
               const EnvChanges& env, const std::string& cwd, int columns = 80, int rows = 24);
  /// Kills the server and whatever still runs in its pane.
  ~TmuxTerminal();
  TmuxTerminal(const TmuxTerminal&) = delete;
  TmuxTerminal& operator=(const TmuxTerminal&) = delete;

  /// tmux send-keys: each a key name ("Enter", "Down", "C-c") or text.
  void keys(const std::vector<std::string>& keys) const;
  /// What the pane shows, one line per row; with `escapes`, its colours and
  /// attributes as escape sequences too.
  std::string screen(bool escapes = false) const;
  /// A tmux format of the pane: "#{alternate_on}", "#{cursor_flag}", "#{pane_pid}".
  std::string format(const std::string& format) const;
  /// Waits up to `timeout` until `holds(screen())`; true when it did.
  bool wait_for(const std::function<bool(const std::string&)>& holds,
                std::chrono::milliseconds timeout) const;
  bool wait_for_text(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  void resize(int columns, int rows) const;
  /// The process the pane runs (the command, or the shell it ran in).
  pid_t pane_pid() const;

 private:
  RunResult tmux(std::vector<std::string> args) const;

  std::filesystem::path dir_;
  std::string socket_;
  std::string output_;  // what the pane wrote, piped by tmux
};

}  // namespace summon::testing

#include "tmux.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace summon::testing {

namespace {

// `'text'` for sh, whatever text holds.
std::string sh_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// tmux, found on PATH; empty when it is not there.
std::string tmux_path() {
  const char* path = std::getenv("PATH");
  std::string folders = path ? path : "/usr/bin:/bin";
  for (std::size_t from = 0; from <= folders.size();) {
    auto end = folders.find(':', from);
    if (end == std::string::npos) end = folders.size();
    const std::string candidate = folders.substr(from, end - from) + "/tmux";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    from = end + 1;
  }
  return {};
}

}  // namespace

bool tmux_available() {
  return !tmux_path().empty();
}

TmuxTerminal::TmuxTerminal(const std::filesystem::path& dir,
                           const std::vector<std::string>& command, const EnvChanges& env,
                           const std::string& cwd, int columns, int rows)
    : dir_(dir), socket_((dir / "tmux.sock").string()), output_((dir / "pane.out").string()) {
  // env takes what it removes (-u) before what it sets.
  std::string unset, set;
  for (const auto& [name, value] : env) {
    if (value)
      set += " " + sh_quoted(name + "=" + *value);
    else
      unset += " -u " + sh_quoted(name);
  }
  std::string line = "cd " + sh_quoted(cwd) + " && exec env" + unset + set;
  for (const auto& word : command) line += " " + sh_quoted(word);
  std::ofstream(output_).flush();
  // The pane stays when its command ends, so that what it left can be read.
  const std::string config = (dir / "tmux.conf").string();
  std::ofstream(config) << "set -g remain-on-exit on\n";
  auto started = tmux({"-f", config, "new-session", "-d", "-x", std::to_string(columns), "-y",
                       std::to_string(rows), line});
  if (started.exit_code != 0) throw std::runtime_error("tmux new-session: " + started.err);
  tmux({"pipe-pane", "-o", "cat >> " + sh_quoted(output_)});
}

TmuxTerminal::~TmuxTerminal() {
  tmux({"kill-server"});
}

RunResult TmuxTerminal::tmux(std::vector<std::string> args) const {
  args.insert(args.begin(), {"-S", socket_});
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  return run_program(tmux_path(), args, options);
}

void TmuxTerminal::keys(const std::vector<std::string>& keys) const {
  std::vector<std::string> args{"send-keys", "-t", "0"};
  args.insert(args.end(), keys.begin(), keys.end());
  tmux(args);
}

std::string TmuxTerminal::screen(bool escapes) const {
  std::vector<std::string> args{"capture-pane", "-p", "-t", "0"};
  if (escapes) args.push_back("-e");
  return tmux(args).out;
}

std::string TmuxTerminal::format(const std::string& format) const {
  auto out = tmux({"display-message", "-p", "-t", "0", format}).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool TmuxTerminal::wait_for(const std::function<bool(const std::string&)>& holds,
                            std::chrono::milliseconds timeout) const {
  using Clock = std::chrono::steady_clock;
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) ::inotify_add_watch(fd, output_.c_str(), IN_MODIFY);
  const auto deadline = Clock::now() + timeout;
  bool held = false;
  for (;;) {
    if ((held = holds(screen()))) break;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds(0) || fd < 0) break;
    pollfd polled{fd, POLLIN, 0};
    if (::poll(&polled, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
  }
  if (fd >= 0) ::close(fd);
  return held;
}

bool TmuxTerminal::wait_for_text(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_for([&](const std::string& shown) { return shown.find(text) != std::string::npos; },
                  timeout);
}

void TmuxTerminal::resize(int columns, int rows) const {
  tmux({"resize-window", "-t", "0", "-x", std::to_string(columns), "-y", std::to_string(rows)});
}

pid_t TmuxTerminal::pane_pid() const {
  const std::string pid = format("#{pane_pid}");
  return pid.empty() ? -1 : static_cast<pid_t>(std::stol(pid));
}

}  // namespace summon::testing

// What `summon up` and `summon run` print: each service's output as
// `NAME | line`, and summon's own lines, `[summon] db ready in 1.21s (tcp)`.
// summon's own lines and the failure summary's message have the project's
// secret values masked; the services' lines are their own bytes, as written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/project_spec.hpp"
#include "config/secrets.hpp"
#include "engine/failure.hpp"
#include "runtime/output_listener.hpp"
#include "runtime/stack.hpp"

namespace summon::cli {

struct PrintOptions {
  bool color = false;  // colours and a sanitised terminal; off a terminal, bytes pass as written
  bool quiet = false;  // no service output, only summon's own lines
};

/// On a terminal and unless NO_COLOR is set (to anything but empty).
bool color_wanted(bool no_color_flag);

class Printer : public runtime::StackObserver, public runtime::OutputListener {
 public:
  Printer(const config::ProjectSpec& project, const std::vector<graph::ServiceIndex>& selected,
          PrintOptions options);
  ~Printer() override;

  /// Where pids and the failed service's last lines come from.
  void attach(const runtime::Stack& stack) { stack_ = &stack; }

  // OutputListener
  void on_lines(graph::ServiceIndex i, runtime::Stream stream,
                std::span<const std::string_view> lines) override;
  void on_status(graph::ServiceIndex i, std::string_view text) override;
  void on_notice(graph::ServiceIndex i, std::string_view text) override;
  void on_warning(graph::ServiceIndex i, std::string_view text) override;
  void flush() override;

  // StackObserver
  void on_change(const engine::StateChange& change) override;
  void on_all_ready(std::size_t services, engine::Duration since_bring_up) override;
  void on_failure(const engine::Failure& failure) override;
  void on_done(int exit_code, engine::Duration since_bring_up) override;
  void on_command_failed(const std::string& error) override;
  void on_command_ended(int wait_status) override;
  void on_stopping(int signal) override;
  void on_guardian_lost(pid_t pid) override;

  /// One of summon's own lines, `[summon] TEXT`, from outside the engine
  /// (the control socket's).
  void note(const std::string& text) { own_line(text); }
  /// Also hands each of summon's own lines (masked, without `[summon] `) to
  /// `tap`: `summon attach` shows them. Empty: none.
  void tap(std::function<void(const std::string&)> tap) { tap_ = std::move(tap); }

 private:
  void own_line(const std::string& text);
  void print_failure();

  const config::ProjectSpec& project_;
  const config::Secrets secrets_;
  PrintOptions options_;
  // By service index: "NAME | " padded to one width, coloured on a terminal;
  // made once, as every line of output starts with one.
  std::vector<std::string> prefixes_;
  std::vector<bool> ended_;  // by service index: its end (completed, failed) was told
  const runtime::Stack* stack_ = nullptr;
  std::string buffer_;
  bool broken_ = false;  // stdout was closed: stop writing to it
  bool all_ready_ = false;
  std::optional<engine::Failure> failure_;
  std::function<void(const std::string&)> tap_;
};

/// "NAME | " padded to `width`, in the colour of service `index` if `color`:
/// how every line of a service's output begins.
std::string service_prefix(std::size_t index, const std::string& name, std::size_t width,
                           bool color);

/// "350ms" under a second, "1.21s" from there.
std::string format_elapsed(engine::Duration elapsed);

}  // namespace summon::cli

// The terminal while the dashboard owns it: curses on, the screen's cells
// as a Canvas, keys read without waiting, and the terminal given back as it
// was on every way out: the destructor (quit, Ctrl-C, SIGTERM, the project
// ending), and a crash (a fatal signal, std::terminate), where only
// async-signal-safe calls restore what the user sees before dying as it
// would have.
#pragma once

#include <optional>

#include "ui/canvas.hpp"

namespace summon::ui {

class Terminal : public Canvas {
 public:
  /// Takes the terminal on stdin and stdout; colours unless `color` is
  /// false. Throws std::runtime_error if curses cannot use it.
  explicit Terminal(bool color);
  ~Terminal() override;
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  int rows() const override;
  int columns() const override;
  void clear() override;
  void put(int row, int column, std::string_view text, Style style) override;
  /// Shows what was drawn since the last one.
  void show();
  /// The terminal's size changed: reads it again.
  void resized();
  /// The next key waiting, as ui/keys.hpp codes it; nullopt when none is.
  std::optional<int> next_key();

 private:
  bool color_;
  void* screen_ = nullptr;  // curses' SCREEN
};

}  // namespace summon::ui

// Where the view draws: a grid of character cells, each with a style. The
// terminal's canvas is curses (ui/curses_canvas.hpp); the tests' is a grid
// in memory, read back as text.
#pragma once

#include <string_view>

namespace summon::ui {

enum class Style {
  normal,
  bar,       // the title and the status bar
  heading,   // the table's column names
  selected,  // the selected service's row
  dim,
  good,     // ready, completed
  busy,     // starting, started, stopping, killing
  bad,      // failed
  warn,     // unhealthy, backoff
  err,      // a line a service wrote to stderr
  match,    // a search match in the output
  current,  // the match the search is on
};

class Canvas {
 public:
  virtual ~Canvas() = default;
  virtual int rows() const = 0;
  virtual int columns() const = 0;
  virtual void clear() = 0;
  /// Writes `text` from (row, column) on, cut at the right edge; one cell per
  /// UTF-8 code point.
  virtual void put(int row, int column, std::string_view text, Style style) = 0;
};

}  // namespace summon::ui

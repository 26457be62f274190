#include "ui/terminal.hpp"

#include <curses.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <clocale>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "ui/cells.hpp"
#include "ui/keys.hpp"

namespace summon::ui {

namespace {

// What a crash needs to give the terminal back, ready before it happens.
struct Saved {
  bool held = false;
  termios modes{};
  int flags = 0;         // stdin's file status flags: the loop makes it non-blocking
  char leave[128] = {};  // the terminal's own "leave full screen", "show cursor", "plain text"
  std::size_t leave_size = 0;
};
Saved saved;

void give_back_after_crash() {
  if (!saved.held) return;
  saved.held = false;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved.modes);
  ::fcntl(STDIN_FILENO, F_SETFL, saved.flags);
  (void)!::write(STDOUT_FILENO, saved.leave, saved.leave_size);
}

void on_fatal_signal(int signal) {
  give_back_after_crash();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

std::terminate_handler previous_terminate = nullptr;

void on_terminate() {
  give_back_after_crash();
  if (previous_terminate) previous_terminate();
  std::abort();
}

void remember_leave(const char* capability) {
  const char* value = tigetstr(capability);
  if (value == nullptr || value == reinterpret_cast<const char*>(-1)) return;
  const std::size_t size = std::strlen(value);
  if (saved.leave_size + size > sizeof saved.leave) return;
  std::memcpy(saved.leave + saved.leave_size, value, size);
  saved.leave_size += size;
}

enum Pair : short {
  bar_pair = 1,
  heading_pair,
  good_pair,
  busy_pair,
  bad_pair,
  warn_pair,
  err_pair,
  match_pair,
  current_pair
};

attr_t attributes(Style style, bool color) {
  if (!color) {
    switch (style) {
      case Style::bar:
      case Style::selected:
      case Style::current:
        return A_REVERSE;
      case Style::heading:
      case Style::bad:
        return A_BOLD;
      case Style::match:
        return A_UNDERLINE | A_BOLD;
      case Style::dim:
        return A_DIM;
      default:
        return A_NORMAL;
    }
  }
  switch (style) {
    case Style::normal:
      return A_NORMAL;
    case Style::bar:
      return COLOR_PAIR(bar_pair);
    case Style::heading:
      return COLOR_PAIR(heading_pair) | A_BOLD;
    case Style::selected:
      return A_REVERSE;
    case Style::dim:
      return A_DIM;
    case Style::good:
      return COLOR_PAIR(good_pair);
    case Style::busy:
      return COLOR_PAIR(busy_pair);
    case Style::bad:
      return COLOR_PAIR(bad_pair) | A_BOLD;
    case Style::warn:
      return COLOR_PAIR(warn_pair);
    case Style::err:
      return COLOR_PAIR(err_pair);
    case Style::match:
      return COLOR_PAIR(match_pair);
    case Style::current:
      return COLOR_PAIR(current_pair) | A_BOLD;
  }
  return A_NORMAL;
}

}  // namespace

Terminal::Terminal(bool color) {
  std::setlocale(LC_ALL, "");
  ::tcgetattr(STDIN_FILENO, &saved.modes);
  saved.flags = ::fcntl(STDIN_FILENO, F_GETFL);
  // newterm, not initscr: a terminal curses does not know is an error to
  // report (and, under `up --ui`, a project to take down), not an exit.
  screen_ = newterm(nullptr, stdout, stdin);
  if (screen_ == nullptr) {
    const char* term = std::getenv("TERM");
    throw std::runtime_error(std::string("cannot use the terminal (TERM=") + (term ? term : "") +
                             ")");
  }
  cbreak();  // Ctrl-C still sends SIGINT, handled as a quit
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  set_escdelay(25);
  typeahead(-1);  // a frame is drawn whole: curses would poll the keyboard between rows
  curs_set(0);
  color_ = color && has_colors();
  if (color_) {
    start_color();
    use_default_colors();
    init_pair(bar_pair, COLOR_BLACK, COLOR_CYAN);
    init_pair(heading_pair, COLOR_CYAN, -1);
    init_pair(good_pair, COLOR_GREEN, -1);
    init_pair(busy_pair, COLOR_YELLOW, -1);
    init_pair(bad_pair, COLOR_RED, -1);
    init_pair(warn_pair, COLOR_MAGENTA, -1);
    init_pair(err_pair, COLOR_RED, -1);
    init_pair(match_pair, COLOR_BLACK, COLOR_YELLOW);
    init_pair(current_pair, COLOR_BLACK, COLOR_GREEN);
  }
  saved.leave_size = 0;
  remember_leave("rmcup");
  remember_leave("cnorm");
  remember_leave("sgr0");
  saved.held = true;
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    std::signal(signal, on_fatal_signal);
  previous_terminate = std::set_terminate(on_terminate);
}

Terminal::~Terminal() {
  std::set_terminate(previous_terminate);
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, SIG_DFL);
  saved.held = false;
  curs_set(1);
  endwin();
  delscreen(static_cast<SCREEN*>(screen_));
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved.modes);
  // The shell after us reads the same terminal: blocking, as it was.
  ::fcntl(STDIN_FILENO, F_SETFL, saved.flags);
}

int Terminal::rows() const {
  return LINES;
}
int Terminal::columns() const {
  return COLS;
}

void Terminal::clear() {
  erase();
}

void Terminal::put(int row, int column, std::string_view text, Style style) {
  if (row < 0 || row >= LINES || column >= COLS || column < 0) return;
  // Cut at the right edge, as many cells as each code point takes.
  std::size_t end = 0;
  int used = column;
  for (auto point : code_points(text)) {
    used += cells_of(point);
    if (used > COLS) break;
    end += point.size();
  }
  attrset(attributes(style, color_));
  mvaddnstr(row, column, text.data(), static_cast<int>(end));
  attrset(A_NORMAL);
}

void Terminal::show() {
  refresh();
}

void Terminal::resized() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0)
    resizeterm(size.ws_row, size.ws_col);
}

std::optional<int> Terminal::next_key() {
  const int got = getch();
  switch (got) {
    case ERR:
      return std::nullopt;
    case KEY_UP:
      return key::up;
    case KEY_DOWN:
      return key::down;
    case KEY_PPAGE:
      return key::page_up;
    case KEY_NPAGE:
      return key::page_down;
    case KEY_HOME:
      return key::home;
    case KEY_END:
      return key::end;
    case KEY_ENTER:
    case '\r':
    case '\n':
      return key::enter;
    case 27:
      return key::escape;
    case KEY_BACKSPACE:
    case 127:
    case 8:
      return key::backspace;
    case KEY_RESIZE:
      return 0;  // nothing for the model; the frame is drawn again
    default:
      return got >= 0 && got < 256 ? got : 0;
  }
}

}  // namespace summon::ui

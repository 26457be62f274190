// The dashboard's keys: how the terminal's keys reach the model, and the
// list `?` shows. Printable keys are their own character; the others are
// the negative codes below, so the model never depends on the terminal.
#pragma once

#include <string_view>

namespace summon::ui {

namespace key {
inline constexpr int up = -1;
inline constexpr int down = -2;
inline constexpr int page_up = -3;
inline constexpr int page_down = -4;
inline constexpr int home = -5;
inline constexpr int end = -6;
inline constexpr int enter = -7;
inline constexpr int escape = -8;
inline constexpr int backspace = -9;
}  // namespace key

struct KeyHelp {
  std::string_view keys;
  std::string_view what;
};

/// Every key, as `?` lists them.
inline constexpr KeyHelp key_help[] = {
    {"Up Down  k j", "select a service"},
    {"Enter", "output of the selected service / of all"},
    {"a", "output of all services"},
    {"r", "restart the selected service, and what follows it"},
    {"s", "start the selected service (and what it needs)"},
    {"x", "stop the selected service"},
    {"PgUp PgDn  b Space", "scroll the output a page"},
    {"Home End  g G", "the oldest / the newest line (End follows)"},
    {"f", "follow the newest output: on / off"},
    {"w", "wrap long lines: on / off"},
    {"/", "search the output (Enter finds, Esc cancels)"},
    {"n N", "the next older / newer match"},
    {"Esc", "close this help; clear the search"},
    {"?", "this help"},
    {"q  Ctrl-C", "quit (under up --ui: tear the project down)"},
    {"d", "detach (under up --ui: the project keeps running)"},
};

}  // namespace summon::ui

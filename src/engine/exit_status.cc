#include "engine/exit_status.hpp"

#include <cstring>

#include <fmt/format.h>

namespace summon::engine {

namespace {

std::string how_it_ended(const ExitStatus& status) {
  if (status.signal == 0) return fmt::format("exited with code {}", status.code);
  // The short name users know from `kill -l` (glibc's sigabbrev_np).
  if (const char* name = ::sigabbrev_np(status.signal))
    return fmt::format("was killed by signal {}", name);
  return fmt::format("was killed by signal {}", status.signal);
}

}  // namespace

std::string describe(const ExitStatus& status) {
  std::string text = how_it_ended(status);
  if (!status.note.empty()) text += fmt::format(" ({})", status.note);
  return text;
}

}  // namespace summon::engine

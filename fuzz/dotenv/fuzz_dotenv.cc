// Fuzz target: any bytes as a dotenv file (`env_file`, and the `.env` beside a
// services file), which another tool or person may have written.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/dotenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace summon::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Diagnostics diagnostics;
  const auto entries = parse_dotenv(text, "/fuzz/.env", diagnostics);
  // Every error names a place in the text: FILE:LINE:COL, never line 0.
  const long lines = 1 + static_cast<long>(std::count(text.begin(), text.end(), '\n'));
  for (const auto& d : diagnostics.sorted()) {
    if (d.mark.line < 1 || d.mark.line > lines || d.mark.column < 1) std::abort();
    (void)d.format();
  }

  // The contract: entries only when there was no error, and every key a valid
  // one (a key holds no `=`, no white space and no line break).
  if (entries.has_value() == !diagnostics.empty()) std::abort();
  if (entries) {
    for (const auto& [key, value] : *entries) {
      if (key.empty() || key.find_first_of("= \t\r\n#'\"") != std::string::npos) std::abort();
      (void)value;
    }
  }
  return 0;
}

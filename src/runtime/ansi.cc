#include "runtime/ansi.hpp"

namespace summon::runtime {

namespace {

constexpr char esc = '\x1b';
constexpr char bel = '\x07';

bool in_range(char c, unsigned char low, unsigned char high) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= low && byte <= high;
}

bool starts_string(char c) {
  return c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_';
}

// Index just past a CSI whose parameters start at `i`.
std::size_t skip_csi(std::string_view s, std::size_t i) {
  while (i < s.size() && in_range(s[i], 0x20, 0x3F)) ++i;
  if (i < s.size() && in_range(s[i], 0x40, 0x7E)) ++i;
  return i;
}

// Index just past a string sequence whose body starts at `i`. An ESC other
// than ST ends the string without being part of it, as in terminals: it is
// left to start the next sequence.
std::size_t skip_string(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (s[i] == bel) return i + 1;
    if (s[i] == esc) return i + 1 < s.size() && s[i + 1] == '\\' ? i + 2 : i;
    ++i;
  }
  return i;
}

// Index just past an nF/Fp/Fe/Fs sequence whose bytes after ESC start at `i`.
std::size_t skip_short(std::string_view s, std::size_t i) {
  while (i < s.size() && in_range(s[i], 0x20, 0x2F)) ++i;
  if (i < s.size() && in_range(s[i], 0x30, 0x7E)) ++i;
  return i;
}

}  // namespace

std::string strip_ansi(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t next_esc = line.find(esc, i);
    out.append(line.substr(i, next_esc - i));
    if (next_esc == std::string_view::npos) break;
    i = next_esc + 1;
    if (i == line.size()) break;
    if (line[i] == '[') {
      i = skip_csi(line, i + 1);
    } else if (starts_string(line[i])) {
      i = skip_string(line, i + 1);
    } else {
      i = skip_short(line, i);
    }
  }
  return out;
}

}  // namespace summon::runtime

#include "config/source.hpp"

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sys/stat.h>

namespace summon::config {

namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is invalid.
std::size_t utf8_length(const std::string& text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t n;
  unsigned int min;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) n = 2, min = 0x80;
  else if ((lead & 0xF0) == 0xE0) n = 3, min = 0x800;
  else if ((lead & 0xF8) == 0xF0) n = 4, min = 0x10000;
  else return 0;
  if (i + n > text.size()) return 0;
  unsigned int cp = lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool check_text(const std::string& text, const std::string& file, Diagnostics& diagnostics) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\0') {
      diagnostics.error(file, {line, column},
                        "the file contains a NUL byte; is it a binary file?");
      return false;
    }
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      diagnostics.error(file, {line, column},
                        fmt::format("invalid UTF-8 byte 0x{:02X}; save the file as UTF-8",
                                    static_cast<unsigned char>(c)));
      return false;
    }
    if (c == '\n') {
      ++line, column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return true;
}

std::optional<std::string> read_source(const std::string& path, Diagnostics& diagnostics) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    diagnostics.error(path, {}, fmt::format("cannot read the file: {}", std::strerror(errno)));
    return std::nullopt;
  }
  if (S_ISDIR(st.st_mode)) {
    diagnostics.error(
        path, {}, "is a folder with no services.yaml, summon.yaml or Procfile in it; name a file");
    return std::nullopt;
  }
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_source_bytes) {
    diagnostics.error(path, {},
                      fmt::format("the file is {} bytes; summon reads configuration files of up "
                                  "to {} MiB",
                                  st.st_size, max_source_bytes / (1024 * 1024)));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error(path, {}, fmt::format("cannot read the file: {}", std::strerror(errno)));
    return std::nullopt;
  }
  // Read at most one byte past the limit, so a pipe or device cannot make us
  // hold more; in pieces, so a small file costs a small buffer.
  std::string text;
  char piece[64 * 1024];
  while (text.size() <= max_source_bytes && in.read(piece, sizeof piece).gcount() > 0) {
    const auto got = static_cast<std::size_t>(in.gcount());
    text.append(piece, std::min(got, max_source_bytes + 1 - text.size()));
  }
  if (text.size() > max_source_bytes) {
    diagnostics.error(path, {},
                      fmt::format("the file is larger than {} MiB, the most summon reads",
                                  max_source_bytes / (1024 * 1024)));
    return std::nullopt;
  }
  if (!check_text(text, path, diagnostics)) return std::nullopt;
  return text;
}

}  // namespace summon::config

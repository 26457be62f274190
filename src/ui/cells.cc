#include "ui/cells.hpp"

#include <cwchar>

namespace summon::ui {

namespace {

// The code point of one UTF-8 sequence (U+FFFD for a broken one).
char32_t decoded(std::string_view point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(point[i]); };
  if (point.empty()) return 0xfffd;
  const unsigned char lead = byte(0);
  if (lead < 0x80) return lead;
  std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (length == 0 || point.size() != length) return 0xfffd;
  char32_t value = lead & (0x3f >> (length - 1));
  for (std::size_t i = 1; i < length; ++i) value = (value << 6) | (byte(i) & 0x3f);
  return value;
}

}  // namespace

std::vector<std::string_view> code_points(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t next = i + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xc0) == 0x80) ++next;
    out.push_back(text.substr(i, next - i));
    i = next;
  }
  return out;
}

int cells_of(std::string_view point) {
  const char32_t value = decoded(point);
  if (value < 0x80) return 1;
  const int width = ::wcwidth(static_cast<wchar_t>(value));
  return width < 0 ? 1 : width;  // what the locale does not know takes one
}

std::size_t columns_of(std::string_view text) {
  std::size_t total = 0;
  for (auto point : code_points(text)) total += static_cast<std::size_t>(cells_of(point));
  return total;
}

std::vector<std::size_t> row_starts(const std::vector<std::string_view>& points, int width) {
  std::vector<std::size_t> starts{0};
  int used = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const int cells = cells_of(points[i]);
    if (used + cells > width && used > 0) {  // a wide one that does not fit goes down whole
      starts.push_back(i);
      used = 0;
    }
    used += cells;
  }
  return starts;
}

}  // namespace summon::ui

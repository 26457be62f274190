// How text takes terminal cells: one per code point, two for wide ones (CJK,
// most emoji), none for combining marks, as wcwidth says in the terminal's
// locale; and where a line breaks into rows of a given width. The model and
// the view measure with these alone, so that what is scrolled is what is
// drawn.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace summon::ui {

/// The code points of UTF-8 text, each as its bytes.
std::vector<std::string_view> code_points(std::string_view text);
/// The cells one code point takes: 0, 1 or 2.
int cells_of(std::string_view point);
/// The cells a text takes.
std::size_t columns_of(std::string_view text);
/// Where each row starts (an index into code_points(text)) when the text is
/// cut into rows of `width` cells; at least one row, even for no text.
std::vector<std::size_t> row_starts(const std::vector<std::string_view>& points, int width);

}  // namespace summon::ui

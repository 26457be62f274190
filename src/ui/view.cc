#include "ui/view.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ui/keys.hpp"

namespace summon::ui {

namespace {

// One code point of a line, and how it is shown.
struct Cell {
  std::string_view text;
  Style style;
};

void put_cells(Canvas& canvas, int row, int column, const std::vector<Cell>& cells,
               std::size_t from, std::size_t count) {
  std::string run;
  Style style = Style::normal;
  int at = column;
  const auto flush = [&] {
    if (!run.empty()) canvas.put(row, at, run, style);
  };
  int x = column;
  for (std::size_t i = from; i < std::min(cells.size(), from + count); ++i) {
    if (run.empty() || cells[i].style != style) {
      flush();
      run.clear();
      style = cells[i].style;
      at = x;
    }
    run.append(cells[i].text);
    x += cells_of(cells[i].text);
  }
  flush();
}

std::string fit(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t used = 0;
  for (auto point : code_points(text)) {
    const auto cells = static_cast<std::size_t>(cells_of(point));
    if (used + cells > width) break;
    out.append(point);
    used += cells;
  }
  out.append(width - used, ' ');
  return out;
}

std::string fill(int width) {
  return std::string(static_cast<std::size_t>(std::max(width, 0)), ' ');
}

// A bar across the whole width: `left` at the left, `right` at the right.
void bar(Canvas& canvas, int row, std::string_view left, std::string_view right) {
  canvas.put(row, 0, fill(canvas.columns()), Style::bar);
  canvas.put(row, 0, left, Style::bar);
  const int at = canvas.columns() - static_cast<int>(columns_of(right));
  if (at > static_cast<int>(columns_of(left)) + 1) canvas.put(row, at, right, Style::bar);
}

struct Columns {
  std::size_t name = 7;
};

std::string table_line(const Columns& widths, std::string_view name, std::string_view state,
                       std::string_view pid, std::string_view uptime, std::string_view restarts,
                       std::string_view ready, std::string_view cpu, std::string_view memory,
                       std::string_view reason) {
  return fmt::format("{} {:<9} {:>7} {:>7} {:>3} {:>7} {:>5} {:>7} {}", fit(name, widths.name),
                     state, pid, uptime, restarts, ready, cpu, memory, reason);
}

void draw_help(Canvas& canvas, int top, int bottom) {
  canvas.put(top, 2, "Keys", Style::heading);
  std::size_t widest = 0;
  for (const auto& help : key_help) widest = std::max(widest, help.keys.size());
  int row = top + 1;
  for (const auto& help : key_help) {
    if (row >= bottom) break;
    canvas.put(row, 2, fit(help.keys, widest), Style::heading);
    canvas.put(row, 4 + static_cast<int>(widest), help.what, Style::normal);
    ++row;
  }
  if (row < bottom)
    canvas.put(row + (row + 1 < bottom ? 1 : 0), 2, "any key closes this help", Style::dim);
}

// The cells of one output line: its text, matches marked.
std::vector<Cell> line_cells(const Model& model, const OutputEntry& entry,
                             const std::string& text) {
  std::vector<Cell> cells;
  const Style base = entry.from_stderr ? Style::err : Style::normal;
  for (auto point : code_points(text)) cells.push_back({point, base});
  const auto starts = model.typing_search() ? std::vector<std::size_t>{} : model.match_starts(text);
  if (!starts.empty()) {
    const Style mark = model.current_match() == entry.number ? Style::current : Style::match;
    const std::size_t length = model.search().size();
    // Byte offsets to cell indices.
    std::vector<std::size_t> cell_at(text.size() + 1, cells.size());
    std::size_t byte = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      cell_at[byte] = i;
      byte += cells[i].text.size();
    }
    for (std::size_t found : starts)
      for (std::size_t b = found; b < found + length; ++b)
        if (cell_at[b] < cells.size()) cells[cell_at[b]].style = mark;
  }
  return cells;
}

void draw_output(Model& model, Canvas& canvas, int top, int height) {
  const int width = canvas.columns();
  model.set_pane(height, width);
  if (height <= 0) return;
  const auto lines = model.visible(height, width);
  const int prefix = model.prefix_columns();
  // Bottom up, so that the newest line is at the bottom and a line that does
  // not fit shows its end.
  int row = top + height;
  for (auto entry = lines.rbegin(); entry != lines.rend() && row > top; ++entry) {
    const std::string& text = (*entry)->text;
    const auto cells = line_cells(model, **entry, text);
    const int room = std::max(width - prefix, 1);
    std::vector<std::string_view> points;
    for (const auto& cell : cells) points.push_back(cell.text);
    auto starts = row_starts(points, room);
    const std::size_t first_row_end = starts.size() > 1 ? starts[1] : cells.size();
    if (!model.wrapping()) starts.resize(1);  // the first row's worth, cut
    for (std::size_t part = starts.size(); part-- > 0 && row > top;) {
      --row;
      if (part == 0 && prefix > 0)
        canvas.put(row, 0, fit((*entry)->service, static_cast<std::size_t>(prefix - 3)) + " | ",
                   Style::dim);
      const std::size_t end = part + 1 < starts.size() ? starts[part + 1]
                              : part == 0              ? first_row_end
                                                       : cells.size();
      put_cells(canvas, row, prefix, cells, starts[part], end - starts[part]);
    }
  }
  if (lines.empty())
    canvas.put(
        top, 0,
        model.shown().empty() ? "(no output yet)" : "(no output from " + model.shown() + " yet)",
        Style::dim);
}

}  // namespace

std::string short_duration(long long ms) {
  if (ms < 0) ms = 0;
  if (ms < 10'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  const long long s = ms / 1000;
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string short_size(long long bytes) {
  if (bytes < 1024) return fmt::format("{}B", bytes);
  const char* units = "KMGT";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f}{}", value, units[unit]);
}

Style style_of(std::string_view state) {
  if (state == "ready" || state == "completed") return Style::good;
  if (state == "starting" || state == "started" || state == "stopping" || state == "killing")
    return Style::busy;
  if (state == "failed") return Style::bad;
  if (state == "unhealthy" || state == "backoff") return Style::warn;
  return Style::dim;  // pending, stopped, skipped
}

void draw(Model& model, Canvas& canvas, Clock::time_point now) {
  canvas.clear();
  const int height = canvas.rows(), width = canvas.columns();
  if (height < 3 || width < 10) {
    canvas.put(0, 0, "summon: too small", Style::normal);
    return;
  }
  const auto& rows = model.rows();
  std::size_t ready = 0;
  for (const auto& row : rows) ready += row.state == "ready" || row.state == "completed";
  bar(canvas, 0, fmt::format(" summon  {}  {}/{} ready", model.project(), ready, rows.size()),
      "? help  q quit ");

  const int status_row = height - 1;
  if (model.helping()) {
    draw_help(canvas, 1, status_row);
  } else {
    // The table takes up to half of what is between the bars.
    const int room = height - 3;
    const int table_rows = std::min(static_cast<int>(rows.size()), std::max(1, (room - 2) / 2));
    Columns widths;
    for (const auto& row : rows) widths.name = std::max(widths.name, columns_of(row.name));
    widths.name = std::min<std::size_t>(widths.name, 24);
    canvas.put(1, 0,
               fit(table_line(widths, "SERVICE", "STATE", "PID", "UPTIME", "RST", "READY", "CPU",
                              "MEM", "WHY"),
                   static_cast<std::size_t>(width)),
               Style::heading);
    const int selected = static_cast<int>(model.selected());
    const int first = std::clamp(selected - table_rows / 2, 0,
                                 std::max(0, static_cast<int>(rows.size()) - table_rows));
    for (int k = 0; k < table_rows; ++k) {
      const auto i = static_cast<std::size_t>(first + k);
      const auto& row = rows[i];
      const auto cpu = model.cpu_percent(i);
      const std::string line = table_line(
          widths, row.name, row.state, row.pid ? std::to_string(*row.pid) : "-",
          row.pid ? short_duration(model.uptime_ms(i, now)) : "-", std::to_string(row.restarts),
          row.ready_ms ? short_duration(*row.ready_ms) : "-",
          cpu ? fmt::format("{:.0f}%", *cpu) : "-",
          row.memory_bytes ? short_size(*row.memory_bytes) : "-", row.reason);
      const int y = 2 + k;
      if (static_cast<int>(i) == selected) {
        canvas.put(y, 0, fit(line, static_cast<std::size_t>(width)), Style::selected);
      } else {
        canvas.put(y, 0, line, Style::normal);
        canvas.put(y, static_cast<int>(widths.name) + 1, fit(row.state, 9), style_of(row.state));
      }
    }
    const int rule = 2 + table_rows;
    std::string about = model.shown().empty() ? "all services" : model.shown();
    std::string flags =
        std::string(model.following() ? "follow" : "paused") + (model.wrapping() ? "  wrap" : "") +
        (model.skipped_lines() ? fmt::format("  {} lines passed over", model.skipped_lines()) : "");
    std::string title = fmt::format("-- output: {} -- {} ", about, flags);
    if (static_cast<int>(columns_of(title)) < width)
      title += std::string(static_cast<std::size_t>(width) - columns_of(title), '-');
    canvas.put(rule, 0, title, Style::heading);
    draw_output(model, canvas, rule + 1, status_row - rule - 1);
  }

  if (model.typing_search()) {
    canvas.put(status_row, 0, fill(width), Style::bar);
    canvas.put(status_row, 0, "/" + model.search(), Style::bar);
  } else if (model.ended()) {
    bar(canvas, status_row, " " + *model.ended(), "q quit ");
  } else {
    std::string left = " " + model.status();
    if (model.status().empty() && !model.search().empty())
      left = fmt::format(" search '{}': n older, N newer, Esc clears", model.search());
    bar(canvas, status_row, left, "r restart  s start  x stop  / search ");
  }
}

}  // namespace summon::ui

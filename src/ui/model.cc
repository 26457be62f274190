#include "ui/model.hpp"

#include "runtime/ansi.hpp"
#include "ui/cells.hpp"
#include "ui/keys.hpp"

#include <algorithm>
#include <cctype>

namespace summon::ui {

namespace {

bool has_upper(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isupper(c) != 0; });
}

bool printable(int key) {
  return key >= 0x20 && key < 0x7f;
}

}  // namespace

std::string screen_text(std::string_view text) {
  std::string out = runtime::strip_ansi(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

void Model::set_services(std::vector<ServiceRow> rows, Clock::time_point now) {
  rows_ = std::move(rows);
  rows_at_ = now;
  for (const auto& row : rows_) {
    if (!row.cpu_ms) {
      cpu_.erase(row.name);
      continue;
    }
    auto [sample, first] = cpu_.try_emplace(row.name, CpuSample{*row.cpu_ms, now, std::nullopt});
    if (first) continue;
    auto& kept = sample->second;
    const double elapsed_ms = std::chrono::duration<double, std::milli>(now - kept.at).count();
    if (*row.cpu_ms < kept.cpu_ms) {  // a new process: its count starts again
      kept = {*row.cpu_ms, now, std::nullopt};
    } else if (elapsed_ms >= 900) {  // a second's worth, whatever the pushes in between
      kept = {*row.cpu_ms, now, 100.0 * (*row.cpu_ms - kept.cpu_ms) / elapsed_ms};
    }
  }
  if (selected_ >= rows_.size()) selected_ = rows_.empty() ? 0 : rows_.size() - 1;
}

std::optional<double> Model::cpu_percent(std::size_t i) const {
  if (i >= rows_.size()) return std::nullopt;
  auto found = cpu_.find(rows_[i].name);
  return found == cpu_.end() ? std::nullopt : found->second.percent;
}

long long Model::uptime_ms(std::size_t i, Clock::time_point now) const {
  if (i >= rows_.size() || !rows_[i].pid) return 0;
  return rows_[i].uptime_ms +
         std::chrono::duration_cast<std::chrono::milliseconds>(now - rows_at_).count();
}

void Model::add_lines(std::vector<OutputEntry> entries) {
  if (entries.empty()) return;
  const auto by_number = [](const OutputEntry& a, const OutputEntry& b) {
    return a.number < b.number;
  };
  for (auto& entry : entries) entry.text = screen_text(entry.text);
  std::sort(entries.begin(), entries.end(), by_number);
  if (lines_.empty() || entries.front().number > lines_.back().number) {
    for (auto& entry : entries) lines_.push_back(std::move(entry));  // the usual case: all new
  } else {
    std::deque<OutputEntry> merged;
    std::merge(std::make_move_iterator(lines_.begin()), std::make_move_iterator(lines_.end()),
               std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()),
               std::back_inserter(merged), by_number);
    lines_.clear();
    for (auto& entry : merged)
      if (lines_.empty() || lines_.back().number != entry.number)
        lines_.push_back(std::move(entry));
  }
  while (lines_.size() > lines_kept) lines_.pop_front();
}

void Model::skipped(std::uint64_t count) {
  skipped_ += count;
  fresh_.clear();
}

void Model::set_ended(std::string why) {
  ended_ = std::move(why);
}

void Model::set_pane(int rows, int columns) {
  pane_rows_ = std::max(rows, 1);
  pane_columns_ = std::max(columns, 1);
}

int Model::prefix_columns() const {
  if (!shown_.empty()) return 0;
  std::size_t widest = 0;
  for (const auto& row : rows_) widest = std::max(widest, columns_of(row.name));
  return static_cast<int>(std::min(widest, longest_prefix)) + 3;
}

int Model::rows_of(const OutputEntry& entry, int columns) const {
  // Rows after the first are indented by the prefix, as the view draws them.
  const int room = columns - prefix_columns();
  if (!wrap_ || room <= 0) return 1;
  return static_cast<int>(row_starts(code_points(entry.text), room).size());
}

std::vector<std::size_t> Model::match_starts(std::string_view text) const {
  std::vector<std::size_t> starts;
  if (search_.empty()) return starts;
  const bool exact_case = has_upper(search_);
  const auto same = [exact_case](unsigned char a, unsigned char b) {
    return exact_case ? a == b : std::tolower(a) == std::tolower(b);
  };
  for (auto at = text.begin();;) {
    at = std::search(at, text.end(), search_.begin(), search_.end(), same);
    if (at == text.end()) break;
    starts.push_back(static_cast<std::size_t>(at - text.begin()));
    at += static_cast<std::ptrdiff_t>(search_.size());
  }
  return starts;
}

bool Model::matches(const OutputEntry& entry) const {
  return !match_starts(entry.text).empty();
}

std::optional<std::size_t> Model::bottom() const {
  std::size_t end = lines_.size();
  if (!follow_ && bottom_number_) {
    auto after =
        std::upper_bound(lines_.begin(), lines_.end(), *bottom_number_,
                         [](std::uint64_t n, const OutputEntry& e) { return n < e.number; });
    end = static_cast<std::size_t>(after - lines_.begin());
    // The line it stopped at is no longer kept: the oldest shown that is.
    if (end == 0)
      for (std::size_t i = 0; i < lines_.size(); ++i)
        if (shows(lines_[i])) return i;
  }
  while (end > 0) {
    if (shows(lines_[end - 1])) return end - 1;
    --end;
  }
  return std::nullopt;
}

std::vector<const OutputEntry*> Model::last_lines(const std::string& service,
                                                  std::size_t count) const {
  std::vector<const OutputEntry*> out;
  for (auto line = lines_.rbegin(); line != lines_.rend() && out.size() < count; ++line)
    if (line->service == service) out.push_back(&*line);
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<const OutputEntry*> Model::visible(int rows, int columns) const {
  std::vector<const OutputEntry*> out;
  auto at = bottom();
  if (!at) return out;
  int filled = 0;
  for (std::size_t i = *at + 1; i-- > 0 && filled < rows;) {
    if (!shows(lines_[i])) continue;
    out.push_back(&lines_[i]);
    filled += rows_of(lines_[i], columns);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void Model::scroll_up(int rows) {
  auto at = bottom();
  if (!at) return;
  std::size_t i = *at;
  for (int moved = 0; moved < rows;) {
    std::size_t j = i;
    while (j > 0 && !shows(lines_[j - 1])) --j;
    if (j == 0) break;  // the oldest line is at the bottom already
    i = j - 1;
    moved += rows_of(lines_[i], pane_columns_);
  }
  // Never further up than a page that starts with the oldest line.
  follow_ = false;
  bottom_number_ = lines_[i].number;
}

void Model::scroll_down(int rows) {
  auto at = bottom();
  if (!at || follow_) return;
  std::size_t i = *at;
  for (int moved = 0; moved < rows;) {
    std::size_t j = i + 1;
    while (j < lines_.size() && !shows(lines_[j])) ++j;
    if (j >= lines_.size()) {
      go_newest();
      return;
    }
    i = j;
    moved += rows_of(lines_[i], pane_columns_);
  }
  bottom_number_ = lines_[i].number;
}

void Model::go_oldest() {
  std::size_t i = 0;
  while (i < lines_.size() && !shows(lines_[i])) ++i;
  if (i >= lines_.size()) return;
  follow_ = false;
  bottom_number_ = lines_[i].number;
  scroll_down(pane_rows_ - rows_of(lines_[i], pane_columns_));
}

void Model::go_newest() {
  follow_ = true;
  bottom_number_.reset();
}

void Model::find(bool older) {
  if (search_.empty()) return;
  auto at = bottom();
  if (!at) return;
  // From the match shown (or the bottom of the view), the next one that way.
  std::size_t from = *at;
  bool past_from = !match_;
  if (match_) {
    auto found =
        std::lower_bound(lines_.begin(), lines_.end(), *match_,
                         [](const OutputEntry& e, std::uint64_t n) { return e.number < n; });
    from = std::min(static_cast<std::size_t>(found - lines_.begin()), lines_.size() - 1);
  }
  std::optional<std::size_t> hit;
  if (older) {
    for (std::size_t i = from + (past_from ? 1 : 0); i-- > 0;)
      if (shows(lines_[i]) && matches(lines_[i])) {
        hit = i;
        break;
      }
  } else {
    for (std::size_t i = from + 1; i < lines_.size(); ++i)
      if (shows(lines_[i]) && matches(lines_[i])) {
        hit = i;
        break;
      }
  }
  if (!hit) {
    status_ = "no " + std::string(older ? "older" : "newer") + " line holds '" + search_ + "'";
    return;
  }
  match_ = lines_[*hit].number;
  status_.clear();
  // The match in the middle of the pane.
  follow_ = false;
  bottom_number_ = match_;
  scroll_down(pane_rows_ / 2);
  if (follow_) {  // near the newest: keep the view still all the same
    follow_ = false;
    bottom_number_ = lines_.empty() ? 0 : lines_.back().number;
  }
}

Action Model::history_if_stale() {
  if (fresh_.count("") || fresh_.count(shown_)) return {};
  fresh_.insert(shown_);
  return {Action::fetch_history, shown_};
}

void Model::show(std::string service) {
  if (service == shown_) return;
  shown_ = std::move(service);
  match_.reset();
  go_newest();
}

const ServiceRow* Model::selected_row() const {
  return selected_ < rows_.size() ? &rows_[selected_] : nullptr;
}

Action Model::search_key(int pressed) {
  if (pressed == key::escape) {
    typing_ = false;
  } else if (pressed == key::enter) {
    typing_ = false;
    search_ = typed_;
    match_.reset();
    find(true);
  } else if (pressed == key::backspace) {
    if (!typed_.empty()) typed_.pop_back();
  } else if (printable(pressed) || pressed >= 0x80) {
    typed_.push_back(static_cast<char>(pressed));
  }
  return {};
}

Action Model::press(int pressed) {
  if (typing_) return search_key(pressed);
  if (help_) {
    help_ = false;  // any key closes it
    return {};
  }
  const ServiceRow* row = selected_row();
  const std::string name = row ? row->name : std::string();
  const auto on_selected = [&](Action::Kind kind, const char* doing) -> Action {
    if (!row) return {};
    status_ = std::string(doing) + " " + name + "...";
    return {kind, name};
  };
  switch (pressed) {
    case key::up:
    case 'k':
    case key::down:
    case 'j': {
      const bool up = pressed == key::up || pressed == 'k';
      if (up && selected_ > 0) --selected_;
      if (!up && selected_ + 1 < rows_.size()) ++selected_;
      if (!shown_.empty() && selected_row()) {
        show(selected_row()->name);
        return history_if_stale();
      }
      return {};
    }
    case key::enter:
      show(shown_ == name ? std::string() : name);
      return history_if_stale();
    case 'a':
      show("");
      return history_if_stale();
    case 'r':
      return on_selected(Action::restart, "restarting");
    case 's':
      return on_selected(Action::start, "starting");
    case 'x':
      return on_selected(Action::stop, "stopping");
    case key::page_up:
    case 'b':
      scroll_up(std::max(1, pane_rows_ - 1));
      return history_if_stale();
    case key::page_down:
    case ' ':
      scroll_down(std::max(1, pane_rows_ - 1));
      return {};
    case key::home:
    case 'g':
      go_oldest();
      return history_if_stale();
    case key::end:
    case 'G':
      go_newest();
      return {};
    case 'f':
      if (follow_) {
        auto at = bottom();
        follow_ = false;
        bottom_number_ = at ? lines_[*at].number : 0;
      } else {
        go_newest();
      }
      return {};
    case 'w':
      wrap_ = !wrap_;
      return {};
    case '/':
      typing_ = true;
      typed_.clear();
      return history_if_stale();
    case 'n':
      find(true);
      return {};
    case 'N':
      find(false);
      return {};
    case key::escape:
      search_.clear();
      match_.reset();
      status_.clear();
      return {};
    case '?':
      help_ = true;
      return {};
    case 'q':
      return {Action::quit, {}};
    case 'd':
      return {Action::detach, {}};
    default:
      return {};
  }
}

}  // namespace summon::ui

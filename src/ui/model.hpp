// What the dashboard knows and shows, apart from any terminal: the services
// as the last `ps` said, the output kept so far, and what the user has
// chosen (the selected service, whose output, scrolling, follow, wrap,
// search, help). Keys go in and come out as what to do; the view reads the
// rest. Unit-tested on its own (tests/unit/ui_model_test.cc).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ui/cells.hpp"
#include "ui/snapshot.hpp"

namespace summon::ui {

using Clock = std::chrono::steady_clock;

/// What a key asks of the dashboard beyond the model.
struct Action {
  enum Kind { none, quit, detach, stop, start, restart, fetch_history };
  Kind kind = none;
  std::string service;  // stop, start, restart; fetch_history: empty for all
  bool operator==(const Action&) const = default;
};

class Model {
 public:
  /// At most this many lines are kept, the newest.
  static constexpr std::size_t lines_kept = 200'000;

  explicit Model(std::string project) : project_(std::move(project)) {}

  // What the project says.
  void set_services(std::vector<ServiceRow> rows, Clock::time_point now);
  /// Lines in any order, some maybe known already: kept once, in order.
  void add_lines(std::vector<OutputEntry> entries);
  /// The live stream passed over `count` lines (it sends the newest).
  void skipped(std::uint64_t count);
  /// A line for the status bar: a command's result, an error.
  void set_status(std::string text) { status_ = std::move(text); }
  void set_ended(std::string why);

  // What the user does.
  Action press(int key);
  /// The output pane's height in rows and its width, as last drawn: what a
  /// page is, and how lines wrap.
  void set_pane(int rows, int columns);

  // What the view reads.
  const std::string& project() const { return project_; }
  const std::vector<ServiceRow>& rows() const { return rows_; }
  /// CPU use of row i over the last second or so, in % of one core.
  std::optional<double> cpu_percent(std::size_t i) const;
  /// Row i's uptime now: what ps said, plus the time since.
  long long uptime_ms(std::size_t i, Clock::time_point now) const;
  std::size_t selected() const { return selected_; }
  /// The service whose output is shown; empty: all.
  const std::string& shown() const { return shown_; }
  bool following() const { return follow_; }
  bool wrapping() const { return wrap_; }
  bool helping() const { return help_; }
  bool typing_search() const { return typing_; }
  const std::string& search() const { return typing_ ? typed_ : search_; }
  /// The line the search is on (its number), if any.
  std::optional<std::uint64_t> current_match() const { return match_; }
  bool matches(const OutputEntry& entry) const;
  /// Where the search is found in `text` (byte offsets, not overlapping):
  /// any case, unless the search holds a capital letter.
  std::vector<std::size_t> match_starts(std::string_view text) const;
  const std::string& status() const { return status_; }
  const std::optional<std::string>& ended() const { return ended_; }
  std::uint64_t skipped_lines() const { return skipped_; }

  /// The lines of the output pane, oldest first: those that end at the
  /// bottom of the view and fill `rows` rows (wrapped at `columns` when
  /// wrapping).
  std::vector<const OutputEntry*> visible(int rows, int columns) const;
  /// How many rows a line takes at `columns`.
  int rows_of(const OutputEntry& entry, int columns) const;
  std::size_t kept() const { return lines_.size(); }
  /// The last `count` lines of `service` kept, oldest first.
  std::vector<const OutputEntry*> last_lines(const std::string& service, std::size_t count) const;
  /// Columns before each line's text: `NAME | ` when all are shown, the
  /// names cut to at most longest_prefix.
  static constexpr std::size_t longest_prefix = 16;
  int prefix_columns() const;

 private:
  bool shows(const OutputEntry& entry) const { return shown_.empty() || entry.service == shown_; }
  // Index into lines_ of the bottom line, the newest shown when following.
  std::optional<std::size_t> bottom() const;
  void scroll_up(int rows);
  void scroll_down(int rows);
  void go_oldest();
  void go_newest();
  void find(bool older);
  Action search_key(int key);
  Action history_if_stale();
  void show(std::string service);
  const ServiceRow* selected_row() const;

  std::string project_;
  std::vector<ServiceRow> rows_;
  struct CpuSample {
    double cpu_ms = 0;
    Clock::time_point at{};
    std::optional<double> percent;
  };
  std::map<std::string, CpuSample> cpu_;  // by name
  Clock::time_point rows_at_{};
  std::deque<OutputEntry> lines_;  // by number
  std::size_t selected_ = 0;
  std::string shown_;
  bool follow_ = true;
  std::optional<std::uint64_t> bottom_number_;  // when not following
  bool wrap_ = true;
  bool help_ = false;
  bool typing_ = false;
  std::string typed_, search_;
  std::optional<std::uint64_t> match_;
  std::string status_;
  std::optional<std::string> ended_;
  std::uint64_t skipped_ = 0;
  // Whose history ("" for all) is whole since lines were last passed over.
  std::set<std::string> fresh_;
  int pane_rows_ = 10, pane_columns_ = 80;
};

/// What a service wrote, fit for a grid of cells and for searching what is
/// seen: no escape sequences (colours), every other control character a space.
std::string screen_text(std::string_view text);

}  // namespace summon::ui

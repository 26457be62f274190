// Diagnostics: every problem found in a configuration, in one format.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace summon::config {

/// A position in a source file, 1-based. Line 0 means "no position known".
/// `file` is the file the position is in, when known: a project merged from
/// several files keeps, on every value, the file it was written in.
struct Mark {
  int line = 0;
  int column = 0;
  std::shared_ptr<const std::string> file;

  Mark() = default;
  Mark(int line_, int column_, std::shared_ptr<const std::string> file_ = nullptr)
      : line(line_), column(column_), file(std::move(file_)) {}
};

/// One problem, printed as `FILE:LINE:COL: error: MESSAGE`.
struct Diagnostic {
  std::string file;
  Mark mark;
  std::string message;

  /// The one-line form; without a known position it is `FILE: error: MESSAGE`.
  std::string format() const;
};

/// Collects every problem of one load so that all of them can be reported at once.
class Diagnostics {
 public:
  /// The most problems one load records; past it they are counted, not kept.
  static constexpr std::size_t limit = 100;

  /// Records a problem; an exact repeat (same file, position and message) is
  /// dropped. A mark that knows its file names that file instead of `file`.
  void error(std::string file, const Mark& mark, std::string message);

  /// Whether a problem is already recorded at this place (the mark's file first, as above).
  bool has_error_at(const std::string& file, const Mark& mark) const;

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  /// The problems, sorted by file, line and column (stable for the same position).
  std::vector<Diagnostic> sorted() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  /// How many problems were found past the limit and dropped.
  std::size_t dropped() const { return dropped_; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t dropped_ = 0;
};

}  // namespace summon::config

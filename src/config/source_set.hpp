// Every file a project is read from (`-f` files, the override, included and
// extended files), each parsed once, with limits over all of them together so
// that many files cannot add up to what one file may not be.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/node.hpp"

namespace summon::config {

/// A path written in a file, relative to that file's folder, named as the
/// user will recognise it (still relative when that file's name was).
std::string path_beside(const Mark& written_at, const std::string& path);

class SourceSet {
 public:
  /// The most files one project reads.
  static constexpr std::size_t max_files = 256;
  /// The most bytes all of them hold together.
  static constexpr std::size_t max_total_bytes = 16 << 20;
  /// The most values all of them hold together, after `extends` copied its bases.
  static constexpr std::size_t max_total_values = 1'000'000;

  explicit SourceSet(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  struct File {
    std::string name;  // as diagnostics name it
    std::string real;  // its real path: the same file under two names is one
    std::string dir;   // its folder, absolute
    Node root;         // parsed, `!reset` values still in it
  };

  /// The file `name` (as it is named to the user), parsed; nullptr after the
  /// problem was reported, at `from` when it was named in another file (an
  /// `include` or `extends`), else against the file itself.
  const File* load(const std::string& name, const Mark& from = {});

  /// The same for text already in memory, as if it were the file `name`.
  const File* load_text(const std::string& name, const std::string& text);

  /// Counts `n` more values against the limit over all files; false (with
  /// the error reported at `at`) once it is crossed.
  bool charge(std::size_t n, const Mark& at);

  /// The real path of `name`, if it exists.
  static std::optional<std::string> real_path(const std::string& name);

  /// Every file read, as named, in the order they were first read.
  std::vector<std::string> names() const;

 private:
  const File* parse(const std::string& name, const std::string& real, const std::string& text,
                    const Mark& from);
  bool refuse(const std::string& name, const Mark& from, const std::string& message);

  Diagnostics& diagnostics_;
  std::vector<std::unique_ptr<File>> files_;
  std::map<std::string, const File*> by_real_;
  std::set<std::string> failed_;  // real paths already reported
  std::size_t bytes_ = 0;
  std::size_t values_ = 0;
  bool values_reported_ = false;
  bool files_reported_ = false;
};

}  // namespace summon::config

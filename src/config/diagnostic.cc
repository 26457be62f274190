#include "config/diagnostic.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace summon::config {

std::string Diagnostic::format() const {
  if (mark.line <= 0) return fmt::format("{}: error: {}", file, message);
  return fmt::format("{}:{}:{}: error: {}", file, mark.line, mark.column, message);
}

void Diagnostics::error(std::string file, const Mark& mark, std::string message) {
  if (mark.file) file = *mark.file;
  auto same = [&](const Diagnostic& d) {
    return d.file == file && d.mark.line == mark.line && d.mark.column == mark.column &&
           d.message == message;
  };
  if (std::any_of(items_.begin(), items_.end(), same)) return;
  // A hostile file can hold millions of mistakes; nobody reads past the first hundred.
  if (items_.size() >= limit) {
    ++dropped_;
    return;
  }
  items_.push_back({std::move(file), {mark.line, mark.column, nullptr}, std::move(message)});
}

bool Diagnostics::has_error_at(const std::string& file, const Mark& mark) const {
  const std::string& in = mark.file ? *mark.file : file;
  return std::any_of(items_.begin(), items_.end(), [&](const Diagnostic& d) {
    return d.file == in && d.mark.line == mark.line && d.mark.column == mark.column;
  });
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.mark.line, a.mark.column) <
           std::tie(b.file, b.mark.line, b.mark.column);
  });
  return out;
}

}  // namespace summon::config

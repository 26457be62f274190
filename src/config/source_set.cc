#include "config/source_set.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <sys/stat.h>

#include "config/merge.hpp"
#include "config/source.hpp"

namespace summon::config {

std::string path_beside(const Mark& written_at, const std::string& path) {
  if (std::filesystem::path(path).is_absolute() || !written_at.file) return path;
  auto folder = std::filesystem::path(*written_at.file).parent_path();
  return (folder / path).lexically_normal().string();
}

std::optional<std::string> SourceSet::real_path(const std::string& name) {
  char resolved[PATH_MAX];
  if (!::realpath(name.c_str(), resolved)) return std::nullopt;
  return std::string(resolved);
}

bool SourceSet::refuse(const std::string& name, const Mark& from, const std::string& message) {
  if (from.line > 0)
    diagnostics_.error(name, from, fmt::format("cannot read '{}': {}", name, message));
  else
    diagnostics_.error(name, {}, message);
  return false;
}

const SourceSet::File* SourceSet::load(const std::string& name, const Mark& from) {
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) {
    const char* why = std::strerror(errno);
    refuse(name, from, from.line > 0 ? why : fmt::format("cannot read the file: {}", why));
    return nullptr;
  }
  auto real = real_path(name).value_or(name);
  if (auto found = by_real_.find(real); found != by_real_.end()) return found->second;
  if (failed_.contains(real)) return nullptr;
  failed_.insert(real);  // until it is read
  // A folder or a device is refused before anything is read from it.
  if (from.line > 0 && S_ISDIR(st.st_mode)) {
    refuse(name, from, "it is a folder; name a services file in it");
    return nullptr;
  }
  if (from.line > 0 && !S_ISREG(st.st_mode)) {
    refuse(name, from, "it is not a regular file");
    return nullptr;
  }
  if (files_.size() >= max_files) {
    // Once: every file past the limit would say the same.
    if (!files_reported_)
      refuse(name, from,
             fmt::format("it would be file number {}; summon reads at most {} files for one "
                         "project, and no more of them",
                         files_.size() + 1, max_files));
    files_reported_ = true;
    return nullptr;
  }
  // A file too large on its own is read_source's to refuse, in its own words.
  const auto size = static_cast<std::size_t>(st.st_size);
  if (S_ISREG(st.st_mode) && size <= max_source_bytes && bytes_ + size > max_total_bytes) {
    refuse(name, from,
           fmt::format("it would bring the project's files to more than {} MiB together, the most "
                       "summon reads",
                       max_total_bytes >> 20));
    return nullptr;
  }
  auto text = read_source(name, diagnostics_);
  if (!text) return nullptr;
  return parse(name, real, *text, from);
}

const SourceSet::File* SourceSet::load_text(const std::string& name, const std::string& text) {
  auto real = real_path(name).value_or(std::filesystem::absolute(name).lexically_normal().string());
  if (auto found = by_real_.find(real); found != by_real_.end()) return found->second;
  if (!check_text(text, name, diagnostics_)) return nullptr;
  return parse(name, real, text, {});
}

const SourceSet::File* SourceSet::parse(const std::string& name, const std::string& real,
                                        const std::string& text, const Mark& from) {
  const Mark where = from.line > 0 ? from : Mark(0, 0, std::make_shared<const std::string>(name));
  bytes_ += text.size();
  if (values_ >= max_total_values) return charge(1, where), nullptr;
  // Each file within its own limit, so that what crosses the project's limit
  // is told as that, not as a document limit of some odd number.
  auto root = parse_yaml(text, name, diagnostics_, ParseLimits{});
  if (!root) return nullptr;
  if (!charge(count_values(*root), where)) return nullptr;

  auto file = std::make_unique<File>();
  file->name = name;
  file->real = real;
  file->dir = std::filesystem::absolute(name).parent_path().lexically_normal().string();
  file->root = std::move(*root);
  const File* out = file.get();
  files_.push_back(std::move(file));
  by_real_.emplace(real, out);
  failed_.erase(real);
  return out;
}

bool SourceSet::charge(std::size_t n, const Mark& at) {
  values_ += n;
  if (values_ <= max_total_values) return true;
  if (!values_reported_)
    diagnostics_.error(at.file ? *at.file : std::string(), at,
                       fmt::format("the project's files hold more than {} values together "
                                   "(counting what `extends` copies); summon reads no more",
                                   max_total_values));
  values_reported_ = true;
  return false;
}

std::vector<std::string> SourceSet::names() const {
  std::vector<std::string> out;
  for (const auto& file : files_) out.push_back(file->name);
  return out;
}

}  // namespace summon::config

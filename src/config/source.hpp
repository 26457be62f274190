// Reading a configuration file's bytes, refusing what YAML parsing should
// never see: missing files, folders, huge files, NUL bytes and invalid UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "config/diagnostic.hpp"

namespace summon::config {

/// The largest configuration file summon reads.
inline constexpr std::size_t max_source_bytes = 4 * 1024 * 1024;

/// The file's text, or nullopt with a diagnostic naming the file (and, for bad
/// bytes, where they are).
std::optional<std::string> read_source(const std::string& path, Diagnostics& diagnostics);

/// Checks text already in memory: NUL bytes and invalid UTF-8.
/// Returns false after recording a diagnostic.
bool check_text(const std::string& text, const std::string& file, Diagnostics& diagnostics);

}  // namespace summon::config

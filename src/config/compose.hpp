// A project from several files (SPEC 1.6): the `-f` files merged in order
// with the override beside the first, `extends` resolved, and each included
// file beside them as a part of its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/node.hpp"

namespace summon::config {

/// One part of a project, read with its own folder and `.env`: the merged
/// `-f` files (the first part), or one included file.
struct Part {
  Node root;         // `extends` resolved, `include` and `!reset` values removed
  std::string file;  // as named: the first `-f` file for the first part
  std::string dir;   // the folder its relative paths and `.env` belong to, absolute
  bool included = false;
  bool from_memory = false;  // built in C++, not read from a file: there is no `.env`
};

struct Composition {
  std::vector<Part> parts;         // the first part, then each included file once, in order
  std::vector<std::string> files;  // every file read, as named, in the order they were read
};

/// The override file merged last beside `first` (`services.yaml` →
/// `services.override.yaml`), whether or not it exists.
std::string override_file_for(const std::string& first);

/// Reads `files` (at least one) and everything they include or extend; every
/// problem in any of them is a diagnostic at its own file. Without
/// `no_override`, the first file's override is merged last when it exists.
/// Returns nullopt when not even the first part could be read.
/// `first_text`, when given, is the first file's text, read already.
std::optional<Composition> compose(const std::vector<std::string>& files, bool no_override,
                                   Diagnostics& diagnostics,
                                   const std::string* first_text = nullptr);

}  // namespace summon::config

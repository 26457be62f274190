#include "config/compose.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "config/extends.hpp"
#include "config/merge.hpp"
#include "config/source_set.hpp"

namespace summon::config {

namespace {

// Removes `key` from a map and returns its value.
std::optional<Node> take(Node& map, std::string_view key) {
  auto found = std::find_if(map.members.begin(), map.members.end(),
                            [&](const auto& m) { return m.first.text == key; });
  if (found == map.members.end()) return std::nullopt;
  Node value = std::move(found->second);
  map.members.erase(found);
  return value;
}

// Adds each included file as a part of its own, once, after the part that
// includes it and before the next.
class Includer {
 public:
  Includer(Composition& out, SourceSet& sources, Diagnostics& diagnostics)
      : out_(out), sources_(sources), diagnostics_(diagnostics) {}

  // The files given with -f: including one of them is a cycle.
  void begin_with(const std::string& real, const std::string& name) {
    stack_.push_back({real, name});
    seen_.insert(real);
  }

  void includes_of(Node& root) {
    if (!root.is_map()) return;
    if (auto include = take(root, "include")) include_all(std::move(*include));
  }

  // An `include` value: a path or a list of them.
  void include_all(std::optional<Node> include) {
    if (include->reset) return;
    if (include->is_string()) {
      Node list;
      list.kind = Node::Kind::sequence;
      list.items.push_back(std::move(*include));
      include = std::move(list);
    }
    if (!include->is_seq()) {
      diagnostics_.error({}, include->mark, "include must be a path or a list of paths");
      return;
    }
    for (const auto& item : include->items) {
      if (!item.is_string() || item.text.empty()) {
        diagnostics_.error({}, item.mark, "each entry of include is a path to a services file");
        continue;
      }
      add(item);
    }
  }

 private:
  struct Open {
    std::string real;
    std::string name;
  };

  void add(const Node& item) {
    const std::string path = path_beside(item.mark, item.text);
    if (auto real = SourceSet::real_path(path)) {
      auto open = std::find_if(stack_.begin(), stack_.end(),
                               [&](const Open& o) { return o.real == *real; });
      if (open != stack_.end()) {
        std::string chain;
        for (auto it = open; it != stack_.end(); ++it) chain += it->name + " -> ";
        diagnostics_.error({}, item.mark, "include cycle: " + chain + path);
        return;
      }
      if (seen_.contains(*real)) return;  // already a part: a file is included once
    }
    const auto* file = sources_.load(path, item.mark);
    if (!file || !seen_.insert(file->real).second) return;
    Node root = file->root;
    drop_resets(root);
    resolve_extends(root, file->real, sources_, diagnostics_);
    const std::size_t at = out_.parts.size();
    out_.parts.push_back(Part{{}, path, file->dir, true});
    stack_.push_back({file->real, path});
    includes_of(root);
    stack_.pop_back();
    out_.parts[at].root = std::move(root);
  }

  Composition& out_;
  SourceSet& sources_;
  Diagnostics& diagnostics_;
  std::vector<Open> stack_;
  std::set<std::string> seen_;
};

}  // namespace

std::string override_file_for(const std::string& first) {
  std::filesystem::path path(first);
  auto extension = path.extension().string();
  if (extension != ".yaml" && extension != ".yml") extension = ".yaml";
  auto name = path.stem().string() + ".override" + extension;
  return path.has_parent_path() ? (path.parent_path() / name).string() : name;
}

std::optional<Composition> compose(const std::vector<std::string>& files, bool no_override,
                                   Diagnostics& diagnostics, const std::string* first_text) {
  SourceSet sources(diagnostics);
  std::vector<std::string> merged_files = files;
  if (!no_override && !files.empty()) {
    std::error_code error;
    const auto beside = override_file_for(files.front());
    if (std::filesystem::exists(beside, error)) merged_files.push_back(beside);
  }

  std::optional<Node> root;
  std::vector<const SourceSet::File*> given;
  // Each file's `include` is its own: a later file adds to the earlier
  // ones' rather than replacing them.
  std::vector<Node> includes;
  for (const auto& name : merged_files) {
    const bool first = &name == &merged_files.front();
    const auto* file = first && first_text ? sources.load_text(name, *first_text) : sources.load(name);
    if (!file) continue;
    if (std::any_of(given.begin(), given.end(), [&](auto* g) { return g->real == file->real; }))
      continue;  // the same file twice merges nothing new
    given.push_back(file);
    // Each file's `extends` first, within it, so that a later file's
    // `!reset` removes what a base gave too.
    Node own = file->root;
    if (auto include = own.is_map() ? take(own, "include") : std::nullopt) {
      if (include->reset)
        includes.clear();  // `include: !reset []` drops the earlier files' includes
      else
        includes.push_back(std::move(*include));
    }
    resolve_extends(own, file->real, sources, diagnostics);
    if (!root)
      root = std::move(own);
    else
      merge_onto(*root, std::move(own), MergeLevel::document);
  }
  if (!root || given.empty() || given.front()->name != files.front()) {
    // Without its first file a project has no folder or name to stand on.
    return std::nullopt;
  }
  drop_resets(*root);

  Composition out;
  Includer includer(out, sources, diagnostics);
  for (const auto* file : given) includer.begin_with(file->real, file->name);
  out.parts.push_back(Part{{}, files.front(), given.front()->dir, false});
  for (auto& include : includes) includer.include_all(std::move(include));
  out.parts.front().root = std::move(*root);
  out.files = sources.names();
  return out;
}

}  // namespace summon::config

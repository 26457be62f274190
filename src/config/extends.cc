#include "config/extends.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "config/merge.hpp"
#include "config/suggest.hpp"

namespace summon::config {

namespace {

// What `extends` names: a service, and the file it is in when not this one.
struct BaseName {
  std::string service;
  std::optional<std::string> file;
  Mark mark;       // where the service's name is written
  Mark file_mark;  // where the file is
};

std::optional<BaseName> read_base(const Node& node, Diagnostics& diagnostics) {
  if (node.is_string() && !node.text.empty())
    return BaseName{node.text, std::nullopt, node.mark, {}};
  const Node* service = node.is_map() ? node.find("service") : nullptr;
  const Node* file = node.is_map() ? node.find("file") : nullptr;
  bool only_known =
      node.is_map() && std::all_of(node.members.begin(), node.members.end(), [](const auto& m) {
        return m.first.text == "service" || m.first.text == "file";
      });
  if (!service || !service->is_string() || service->text.empty() || !only_known ||
      (file && (!file->is_string() || file->text.empty()))) {
    diagnostics.error({}, node.mark,
                      "extends must be a service name, or a map with 'service' and optionally "
                      "'file'");
    return std::nullopt;
  }
  BaseName base{service->text, std::nullopt, service->mark, {}};
  if (file) base.file = file->text, base.file_mark = file->mark;
  return base;
}

std::vector<std::string> service_names(const Node& root) {
  std::vector<std::string> names;
  if (const Node* services = root.find("services"); services && services->is_map())
    for (const auto& [key, value] : services->members) names.push_back(key.text);
  return names;
}

class Extender {
 public:
  Extender(const Node& root, std::string real, SourceSet& sources, Diagnostics& diagnostics)
      : root_(root), real_(std::move(real)), sources_(sources), diagnostics_(diagnostics) {}

  /// Service `name` of the document `root` (of file `real`), its bases
  /// merged in; nullopt when its chain failed (and was reported).
  std::optional<Node> resolved(const std::string& real, const Node& root, const std::string& name,
                               const std::string& shown) {
    const std::string key = real + '\n' + name;
    if (auto found = done_.find(key); found != done_.end()) return found->second;
    const Node* own = service_in(root, name);
    const Node* extends = own ? own->find("extends") : nullptr;
    if (!extends) {
      Node copy = own ? *own : Node();
      drop_resets(copy);
      return done_[key] = std::move(copy);
    }
    std::optional<Node> out = with_base(real, root, *own, *extends, key, shown);
    return done_[key] = std::move(out);
  }

 private:
  struct Step {
    std::string key;
    std::string shown;  // the name, with its file when not the first one's
  };

  std::optional<Node> with_base(const std::string& real, const Node& root, const Node& own,
                                const Node& extends, const std::string& key,
                                const std::string& shown) {
    auto base = read_base(extends, diagnostics_);
    if (!base) return std::nullopt;
    const Node* base_root = &root;
    std::string base_real = real, base_shown = base->service;
    if (base->file) {
      const std::string path = path_beside(extends.mark, *base->file);
      const auto* file = sources_.load(path, base->file_mark);
      if (!file) return std::nullopt;
      base_real = file->real;
      base_root = base_real == real_ ? &root_ : &file->root;
      base_shown = fmt::format("{} ({})", base->service, path);
    }
    const std::string base_key = base_real + '\n' + base->service;

    chain_.push_back({key, shown});
    std::optional<Node> from;
    if (auto cycle = std::find_if(chain_.begin(), chain_.end(),
                                  [&](const Step& s) { return s.key == base_key; });
        cycle != chain_.end()) {
      std::string path;
      for (auto it = cycle; it != chain_.end(); ++it) path += it->shown + " -> ";
      diagnostics_.error({}, base->mark, "extends cycle: " + path + cycle->shown);
    } else if (chain_.size() >= max_extends_depth) {
      diagnostics_.error({}, base->mark,
                         fmt::format("extends chain is longer than {} services (from {}); "
                                     "summon follows no more",
                                     max_extends_depth, chain_.front().shown));
    } else if (!service_in(*base_root, base->service)) {
      diagnostics_.error({}, base->mark,
                         fmt::format("extends unknown service '{}'{}", base->service,
                                     did_you_mean(base->service, service_names(*base_root))));
    } else {
      from = resolved(base_real, *base_root, base->service, base_shown);
    }
    chain_.pop_back();
    if (!from) return std::nullopt;

    Node mine = own;
    std::erase_if(mine.members, [](const auto& m) { return m.first.text == "extends"; });
    if (!from->is_map()) {
      from = Node();
      from->kind = Node::Kind::mapping;
    }
    from->mark = own.mark;
    if (!sources_.charge(count_values(*from), extends.mark)) return std::nullopt;
    merge_onto(*from, std::move(mine), MergeLevel::service);
    return from;
  }

  // A document's service by name, through an index made on first use, so
  // that a long chain costs linear time.
  const Node* service_in(const Node& root, const std::string& name) {
    auto [index, made] = services_.try_emplace(&root);
    if (made)
      if (const Node* services = root.find("services"); services && services->is_map())
        for (const auto& [key, value] : services->members) index->second.emplace(key.text, &value);
    auto found = index->second.find(name);
    return found == index->second.end() ? nullptr : found->second;
  }

  const Node& root_;  // the document being resolved, as it was before
  std::string real_;
  SourceSet& sources_;
  Diagnostics& diagnostics_;
  std::vector<Step> chain_;
  std::map<std::string, std::optional<Node>> done_;
  std::unordered_map<const Node*, std::unordered_map<std::string, const Node*>> services_;
};

}  // namespace

void resolve_extends(Node& root, const std::string& real, SourceSet& sources,
                     Diagnostics& diagnostics) {
  Node* services = nullptr;
  for (auto& [key, value] : root.members)
    if (key.text == "services" && value.is_map()) services = &value;
  if (!services) return;
  auto extends = [](const auto& member) { return member.second.find("extends") != nullptr; };
  if (std::none_of(services->members.begin(), services->members.end(), extends)) return;

  const Node original = root;
  Extender extender(original, real, sources, diagnostics);
  for (auto& [key, service] : services->members) {
    if (!service.find("extends")) continue;
    // A service whose chain failed keeps its own keys, `extends` among them,
    // so that they are still checked (and a missing `command` is not blamed on it).
    if (auto resolved = extender.resolved(real, original, key.text, key.text))
      service = std::move(*resolved);
  }
}

}  // namespace summon::config

#include "config/merge.hpp"

#include <unordered_map>
#include <unordered_set>

namespace summon::config {

namespace {

// A list of dependency names read as the map form: `[db]` is `{db: ready}`,
// each entry at the mark its name was written at.
Node dependencies_as_map(Node node) {
  if (!node.is_seq()) return node;
  Node map;
  map.kind = Node::Kind::mapping;
  map.mark = node.mark;
  for (auto& item : node.items) {
    if (!item.is_string()) return node;  // not a list of names: the schema will say so
    Node condition;
    condition.kind = Node::Kind::string;
    condition.mark = item.mark;
    condition.text = "ready";
    map.members.emplace_back(Key{item.text, item.mark}, std::move(condition));
  }
  return map;
}

// A string is a list of one.
Node as_list(Node node) {
  if (node.is_seq() || !node.is_string()) return node;
  Node list;
  list.kind = Node::Kind::sequence;
  list.mark = node.mark;
  list.items.push_back(std::move(node));
  return list;
}

void append(Node& base, Node over) {
  base = as_list(std::move(base));
  over = as_list(std::move(over));
  if (!base.is_seq() || !over.is_seq()) {
    base = std::move(over);
    return;
  }
  for (auto& item : over.items) base.items.push_back(std::move(item));
}

// Top-level `ports`: the names of both, each once, in the order first given.
void unite(Node& base, Node over) {
  if (!base.is_seq() || !over.is_seq()) {
    base = std::move(over);
    return;
  }
  // By a set of the names, so that two long lists unite in linear time.
  std::unordered_set<std::string> names;
  for (const auto& item : base.items)
    if (item.is_string()) names.insert(item.text);
  for (auto& item : over.items)
    if (!item.is_string() || names.insert(item.text).second) base.items.push_back(std::move(item));
}

void merge_member(Node& base, Node over, MergeLevel level, const std::string& key) {
  const bool document_or_service = level == MergeLevel::document || level == MergeLevel::service;
  if (key == "env_file" && document_or_service) return append(base, std::move(over));
  if (key == "ports" && level == MergeLevel::document) return unite(base, std::move(over));
  if (key == "depends_on" && level == MergeLevel::service) {
    base = dependencies_as_map(std::move(base));
    over = dependencies_as_map(std::move(over));
  }
  if (key == "services" && level == MergeLevel::document)
    return merge_onto(base, std::move(over), MergeLevel::services);
  if (level == MergeLevel::services) return merge_onto(base, std::move(over), MergeLevel::service);
  merge_onto(base, std::move(over), MergeLevel::value);
}

}  // namespace

// By a hash of the keys, so that two files with a map of many keys each
// merge in linear time.
void merge_onto(Node& base, Node over, MergeLevel level) {
  if (!base.is_map() || !over.is_map()) {
    drop_resets(over);
    base = std::move(over);
    return;
  }
  std::vector<bool> removed(base.members.size());
  std::unordered_map<std::string, std::size_t> at;
  for (std::size_t k = 0; k < base.members.size(); ++k) at.emplace(base.members[k].first.text, k);
  for (auto& [key, value] : over.members) {
    auto found = at.find(key.text);
    if (value.reset) {
      if (found != at.end()) {
        removed[found->second] = true;
        at.erase(found);
      }
      continue;
    }
    if (found == at.end()) {
      drop_resets(value);
      if (key.text == "depends_on" && level == MergeLevel::service)
        value = dependencies_as_map(std::move(value));
      at.emplace(key.text, base.members.size());
      base.members.emplace_back(std::move(key), std::move(value));
      removed.push_back(false);
      continue;
    }
    merge_member(base.members[found->second].second, std::move(value), level, key.text);
  }
  std::size_t kept = 0;
  for (std::size_t k = 0; k < base.members.size(); ++k)
    if (!removed[k]) {
      if (kept != k) base.members[kept] = std::move(base.members[k]);
      ++kept;
    }
  base.members.resize(kept);
}

void drop_resets(Node& node) {
  std::erase_if(node.items, [](const Node& item) { return item.reset; });
  std::erase_if(node.members, [](const auto& member) { return member.second.reset; });
  for (auto& item : node.items) drop_resets(item);
  for (auto& [key, value] : node.members) drop_resets(value);
}

std::size_t count_values(const Node& node) {
  std::size_t n = 1;
  for (const auto& item : node.items) n += count_values(item);
  for (const auto& [key, value] : node.members) n += count_values(value);
  return n;
}

}  // namespace summon::config

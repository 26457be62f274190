#include "library/document.hpp"

#include <fmt/format.h>

namespace summon::library {

config::Node string_node(std::string text) {
  config::Node node;
  node.kind = config::Node::Kind::string;
  node.text = std::move(text);
  return node;
}

config::Node integer_node(long long value) {
  config::Node node;
  node.kind = config::Node::Kind::integer;
  node.text = std::to_string(value);
  return node;
}

config::Node duration_node(std::chrono::milliseconds value) {
  return string_node(fmt::format("{}ms", value.count()));
}

config::Node list_node(const std::vector<std::string>& items) {
  std::vector<config::Node> nodes;
  for (const auto& item : items) nodes.push_back(string_node(item));
  return list_node(std::move(nodes));
}

config::Node list_node(std::vector<config::Node> items) {
  config::Node node;
  node.kind = config::Node::Kind::sequence;
  node.items = std::move(items);
  return node;
}

config::Node map_node() {
  config::Node node;
  node.kind = config::Node::Kind::mapping;
  return node;
}

void set_member(config::Node& map, const std::string& key, config::Node value) {
  for (auto& [existing, old] : map.members)
    if (existing.text == key) {
      old = std::move(value);
      return;
    }
  map.members.emplace_back(config::Key{key, {}}, std::move(value));
}

config::Node& member_map(config::Node& map, const std::string& key) {
  for (auto& [existing, value] : map.members)
    if (existing.text == key) return value;
  map.members.emplace_back(config::Key{key, {}}, map_node());
  return map.members.back().second;
}

namespace {

void stamp_from(config::Node& node, int line, int& column) {
  node.mark = {line, column++};
  for (auto& item : node.items) stamp_from(item, line, column);
  for (auto& [key, value] : node.members) {
    key.mark = {line, column++};
    stamp_from(value, line, column);
  }
}

}  // namespace

void stamp(config::Node& node, int line) {
  int column = 1;
  stamp_from(node, line, column);
}

}  // namespace summon::library
